package dev.kino.text;

import dev.kino.tensor.FloatTensor;

/**
 * The encoded prompt and negative prompt, each {@code [1, L, D]}. {@code uncond} is null when the run uses
 * no classifier-free guidance (guidance ≤ 1), as diffusers then skips the negative prompt entirely.
 */
public record TextEmbeddings(FloatTensor cond, FloatTensor uncond) {

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
