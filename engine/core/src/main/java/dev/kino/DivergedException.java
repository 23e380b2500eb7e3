package dev.kino;

/**
 * The numbers of a generation went bad: the latents became NaN or infinite during a denoising step, or the
 * decoded video is non-finite or one flat colour. Usually the guidance scale is too large for the model, the
 * weights are damaged, or an fp16 graph overflowed; the message names the step and these causes.
 */
public class DivergedException extends KinoException {
    private static final long serialVersionUID = 1L;
    /** The step after which the values went bad, or -1. */
    private final int step;

    /** @param step the step (from 0) after which the values went bad, or -1 when found after decoding */
    public DivergedException(String message, int step) {
        super(message);
        this.step = step;
    }

    /** The step (from 0) after which the latents went bad, or -1 when the decoded video was. */
    public int step() {
        return step;
    }
}
