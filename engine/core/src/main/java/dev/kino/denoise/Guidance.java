package dev.kino.denoise;

/**
 * Classifier-free guidance: {@code uncond + scale * (cond - uncond)}, evaluated in float32 in the same order
 * as diffusers so guided outputs match it bit for bit.
 */
public final class Guidance {
    private Guidance() {
    }

    /** True when a scale asks for guidance at all (diffusers: {@code guidance_scale > 1}). */
    public static boolean enabled(double scale) {
        return scale > 1.0;
    }

    /**
     * Combines a batch-of-two denoiser output {@code [uncond | cond]} (each {@code n} floats, uncond first,
     * as diffusers concatenates them) into {@code out[0..n)}.
     */
    public static void combine(float[] batched, int n, float scale, float[] out) {
        for (int i = 0; i < n; i++) {
            float u = batched[i];
            out[i] = u + scale * (batched[n + i] - u);
        }
    }

    /** Combines two separate outputs (models without a dynamic batch axis run cond and uncond apart). */
    public static void combine(float[] uncond, float[] cond, float scale, float[] out) {
        for (int i = 0; i < out.length; i++) {
            float u = uncond[i];
            out[i] = u + scale * (cond[i] - u);
        }
    }
}
