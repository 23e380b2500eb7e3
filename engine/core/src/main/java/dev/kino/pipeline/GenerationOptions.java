package dev.kino.pipeline;

import dev.kino.denoise.StepListener;

import java.util.Objects;

/**
 * How to run a plan: who hears about each step, where to resume from, and how often to save checkpoints.
 *
 * @param listener        called after every step; return false from it to cancel
 * @param resumeFrom      a checkpoint of the same plan to continue from, or null to start from noise
 * @param checkpointEvery save a checkpoint after every this many completed steps (0: never); none is saved
 *                        after the last step
 * @param checkpointSink  receives the checkpoints; required when {@code checkpointEvery > 0}
 */
public record GenerationOptions(StepListener listener, Checkpoint resumeFrom, int checkpointEvery,
                                CheckpointSink checkpointSink) {

    /** Checks that checkpointing has a sink and a non-negative interval. */
    public GenerationOptions {
        Objects.requireNonNull(listener, "listener");
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("checkpointEvery must be 0 or more, not " + checkpointEvery);
        }
        if (checkpointEvery > 0 && checkpointSink == null) {
            throw new IllegalArgumentException("checkpointEvery needs a checkpointSink");
        }
    }

    /** Just a listener: from noise, no checkpoints. */
    public static GenerationOptions of(StepListener listener) {
        return new GenerationOptions(listener, null, 0, null);
    }

    /** A copy that resumes from {@code checkpoint}. */
    public GenerationOptions resumingFrom(Checkpoint checkpoint) {
        return new GenerationOptions(listener, checkpoint, checkpointEvery, checkpointSink);
    }

    /** A copy that hands a checkpoint to {@code sink} after every {@code steps} completed steps. */
    public GenerationOptions checkpointing(int steps, CheckpointSink sink) {
        return new GenerationOptions(listener, resumeFrom, steps, sink);
    }
}
