package dev.kino.vae;

import dev.kino.model.Manifest;
import dev.kino.noise.TorchGenerator;
import dev.kino.tensor.FloatTensor;

/**
 * The noise a timestep-conditioned VAE decoder (LTX-Video 0.9.1+) is given before decoding, as
 * {@code LTXPipeline} adds it: {@code noise = randn(latents.shape)} drawn from the run's own generator right
 * after the denoising loop, then {@code (1 - s) * latents + s * noise} in float32 with
 * {@code s = decode_noise_scale}.
 */
public final class DecodeNoise {
    private DecodeNoise() {
    }

    public static FloatTensor mix(FloatTensor latents, Manifest.DecodeNoise spec, TorchGenerator generator) {
        float[] in = latents.data();
        float[] noise = generator.randn(in.length);
        float s = (float) spec.noiseScale();
        float keep = 1f - s;
        float[] out = new float[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = keep * in[i] + s * noise[i];
        }
        return new FloatTensor(latents.shape(), out);
    }
}
