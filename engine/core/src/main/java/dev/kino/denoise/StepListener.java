package dev.kino.denoise;

/**
 * Called after every denoising step. Return {@code false} to cancel the generation; the pipeline then stops
 * before the next step and throws {@link dev.kino.pipeline.GenerationCancelledException}.
 */
@FunctionalInterface
public interface StepListener {
    /** A listener that never cancels. */
    StepListener NONE = event -> true;

    /** Called on the generating thread after step {@code event.step()}; false cancels the generation. */
    boolean onStep(StepEvent event);
}
