package dev.kino.denoise;

/**
 * Called after every denoising step. Return {@code false} to cancel the generation; the pipeline then stops
 * before the next step and throws {@link dev.kino.pipeline.GenerationCancelledException}.
 */
@FunctionalInterface
public interface StepListener {
    StepListener NONE = event -> true;

    boolean onStep(StepEvent event);
}
