package dev.kino.pipeline;

/**
 * Receives checkpoints of a running generation ({@link GenerationOptions#checkpointEvery}): called on the
 * generating thread between two steps, so the next step waits for it. Write the checkpoint somewhere durable
 * (for example {@link Checkpoint#writeTo} into a temporary file, then an atomic rename).
 */
@FunctionalInterface
public interface CheckpointSink {
    /** Stores {@code checkpoint}; an exception thrown here stops the generation. */
    void save(Checkpoint checkpoint);
}
