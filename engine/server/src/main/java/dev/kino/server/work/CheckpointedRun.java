package dev.kino.server.work;

import dev.kino.denoise.StepListener;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;

import java.nio.file.Path;

/**
 * Runs one generation that saves its progress to a checkpoint file every few steps and, when such a file exists,
 * continues from it instead of step 0. The core guarantees a resumed run's latents equal an uninterrupted run's.
 */
interface CheckpointedRun {
    /** What happened: the result, and the step the run resumed from (null: it started at step 0). */
    record Outcome(GenerationResult result, Integer resumedFrom) {
    }

    /** Called on the generating thread once the run knows its step count and start step. */
    interface Start {
        void started(int steps, Integer resumedFrom);
    }

    /**
     * @param checkpoint the job's checkpoint file (read when present, replaced atomically as steps complete)
     * @param every      steps between checkpoints
     * @param onSaved    hears the completed step count of every checkpoint written
     */
    Outcome run(TextToVideoPipeline kino, GenerationRequest request, StepListener listener, Path checkpoint,
                int every, Start start, java.util.function.IntConsumer onSaved);
}
