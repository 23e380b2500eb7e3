package dev.kino.text;

import dev.kino.tensor.FloatTensor;

/**
 * The encoded prompt and negative prompt, each {@code [1, L, D]}, with their token attention masks
 * ({@code [L]}, 1 = token, 0 = padding; denoisers that mask their cross-attention need them). {@code uncond}
 * and {@code uncondMask} are null when the run uses no classifier-free guidance (guidance ≤ 1), as diffusers
 * then skips the negative prompt entirely.
 */
public record TextEmbeddings(FloatTensor cond, FloatTensor uncond, long[] condMask, long[] uncondMask) {

    /** Embeddings without masks (a denoiser that takes a mask cannot run on them). */
    public TextEmbeddings(FloatTensor cond, FloatTensor uncond) {
        this(cond, uncond, null, null);
    }

    public boolean hasUncond() {
        return uncond != null;
    }

    public int length() {
        return cond.dim(1);
    }

    public int width() {
        return cond.dim(2);
    }
}
