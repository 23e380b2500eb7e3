package dev.kino.vae;

import dev.kino.model.Manifest;
import dev.kino.noise.TorchGenerator;
import dev.kino.tensor.FloatTensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The noise a timestep-conditioned VAE decoder (LTX-Video 0.9.1+) is given before decoding, as
 * {@code LTXPipeline} adds it: {@code noise = randn(latents.shape)} drawn from the run's own generator right
 * after the denoising loop, then {@code (1 - s) * latents + s * noise} in float32 with
 * {@code s = decode_noise_scale}. A decoder that injects noise itself (LTX-Video 0.9.1) then draws its spatial
 * planes, which Kino feeds as graph inputs ({@link #injected}).
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

    /**
     * The noise planes a 0.9.1 decoder adds inside its ResNet blocks, drawn one {@code torch.randn(H, W)} after
     * another from {@code generator} in the decoder's order: what diffusers' decoder draws from torch's global
     * generator, so a run seeded with {@code torch.manual_seed(seed)} and no {@code generator} argument (one
     * stream for the initial noise, the decode noise and these) gets the same planes.
     *
     * @param planes from the manifest ({@code vae.injected_noise})
     * @param h      latent height
     * @param w      latent width
     */
    public static Map<String, FloatTensor> injected(List<Manifest.InjectedNoise> planes, int h, int w,
                                                    TorchGenerator generator) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (Manifest.InjectedNoise p : planes) {
            int rows = h * p.scale();
            int cols = w * p.scale();
            out.put(p.input(), new FloatTensor(new long[] {rows, cols}, generator.randn(rows * cols)));
        }
        return out;
    }
}
