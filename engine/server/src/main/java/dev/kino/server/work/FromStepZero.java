package dev.kino.server.work;

import dev.kino.denoise.StepListener;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.TextToVideoPipeline;

import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * Stand-in until the core's checkpoint API ({@code GenerationPlan}, {@code Checkpoint}) is merged: runs every
 * job from step 0 and writes no checkpoints. Output is still correct and deterministic, only not resumable.
 */
final class FromStepZero implements CheckpointedRun {
    @Override
    public Outcome run(TextToVideoPipeline kino, GenerationRequest request, StepListener listener, Path checkpoint,
                       int every, Start start, IntConsumer onSaved) {
        start.started(kino.resolve(request).steps(), null);
        return new Outcome(kino.generate(request, listener), null);
    }
}
