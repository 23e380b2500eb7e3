package dev.kino.text;

import dev.kino.tensor.FloatTensor;

import java.util.List;

/**
 * The encoded prompt and negative prompt, each {@code [1, L, D]}, with their token attention masks
 * ({@code [L]}, 1 = token, 0 = padding; denoisers that mask their cross-attention need them). {@code uncond}
 * and {@code uncondMask} are null when the run uses no classifier-free guidance (guidance ≤ 1), as diffusers
 * then skips the negative prompt entirely. {@code routed}: what a model's further text encoders made, each for
 * its own denoiser inputs (empty for one-encoder models).
 */
public record TextEmbeddings(FloatTensor cond, FloatTensor uncond, long[] condMask, long[] uncondMask,
                             List<Routed> routed) {

    /** Embeddings of one encoder with their masks. */
    public TextEmbeddings(FloatTensor cond, FloatTensor uncond, long[] condMask, long[] uncondMask) {
        this(cond, uncond, condMask, uncondMask, List.of());
    }

    /** Embeddings without masks (a denoiser that takes a mask cannot run on them). */
    public TextEmbeddings(FloatTensor cond, FloatTensor uncond) {
        this(cond, uncond, null, null);
    }

    /** A further encoder's embeddings and masks, for the denoiser input {@code input} (and {@code maskInput}, may be null). */
    public record Routed(String input, String maskInput, TextEmbeddings embeddings) {
    }

    /** These embeddings with a further encoder's added. */
    public TextEmbeddings with(Routed more) {
        List<Routed> all = new java.util.ArrayList<>(routed);
        all.add(more);
        return new TextEmbeddings(cond, uncond, condMask, uncondMask, List.copyOf(all));
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
