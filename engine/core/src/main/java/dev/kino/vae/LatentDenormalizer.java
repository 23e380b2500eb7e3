package dev.kino.vae;

import dev.kino.model.Manifest;
import dev.kino.tensor.FloatTensor;

/**
 * Undoes the latent normalisation the denoiser was trained on, before decoding, in diffusers' float32
 * order: {@code latents / scaling_factor + shift_factor}, or per channel either (Wan)
 * {@code latents / (1 / std[c]) + mean[c]} or (LTX-Video, {@code denormalize: multiply_std})
 * {@code latents * std[c] / scaling_factor + mean[c]}.
 */
public final class LatentDenormalizer {
    private LatentDenormalizer() {
    }

    public static FloatTensor apply(FloatTensor latents, Manifest.Vae spec) {
        float[] in = latents.data();
        float[] out = new float[in.length];
        int channels = latents.dim(1);
        int perChannel = in.length / (latents.dim(0) * channels);
        if (spec.multiplyStd()) {
            float scaling = (float) spec.scalingFactor();
            for (int b = 0; b < latents.dim(0); b++) {
                for (int c = 0; c < channels; c++) {
                    float std = spec.latentsStd()[c];
                    float mean = spec.latentsMean()[c];
                    int base = (b * channels + c) * perChannel;
                    for (int i = base; i < base + perChannel; i++) {
                        out[i] = in[i] * std / scaling + mean;
                    }
                }
            }
            return new FloatTensor(latents.shape(), out);
        }
        for (int b = 0; b < latents.dim(0); b++) {
            for (int c = 0; c < channels; c++) {
                float divisor;
                float shift;
                if (spec.latentsMean() != null) {
                    divisor = 1f / spec.latentsStd()[c]; // diffusers: latents_std = 1.0 / tensor(std)
                    shift = spec.latentsMean()[c];
                } else {
                    divisor = (float) spec.scalingFactor();
                    shift = (float) spec.shiftFactor();
                }
                int base = (b * channels + c) * perChannel;
                for (int i = base; i < base + perChannel; i++) {
                    out[i] = in[i] / divisor + shift;
                }
            }
        }
        return new FloatTensor(latents.shape(), out);
    }
}
