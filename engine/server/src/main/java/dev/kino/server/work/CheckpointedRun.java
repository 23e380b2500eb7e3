package dev.kino.server.work;

import dev.kino.KinoException;
import dev.kino.denoise.StepListener;
import dev.kino.pipeline.Checkpoint;
import dev.kino.pipeline.GenerationOptions;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.IntConsumer;

/**
 * One generation that saves a checkpoint file every few steps and, when the file exists, continues from it
 * instead of step 0. The core guarantees a resumed run's latents, and so its MP4, equal an uninterrupted run's.
 * A checkpoint of another plan (the model or Kino changed) or a damaged file is ignored: the job starts over.
 */
final class CheckpointedRun {
    /** What happened: the result, and the step the run resumed from (null: it started at step 0). */
    record Outcome(GenerationResult result, Integer resumedFrom) {
    }

    /** Called on the generating thread once the run knows its step count and start step. */
    interface Start {
        void started(int steps, Integer resumedFrom);
    }

    private CheckpointedRun() {
    }

    /**
     * @param checkpoint the job's checkpoint file (read when present, replaced atomically as steps complete)
     * @param every      steps between checkpoints
     * @param onSaved    hears the completed step count of every checkpoint written
     */
    static Outcome run(TextToVideoPipeline kino, GenerationPlan plan, StepListener listener, Path checkpoint,
                       int every, Start start, IntConsumer onSaved) {
        Checkpoint resume = read(checkpoint, plan);
        Integer from = resume == null ? null : resume.completedSteps();
        start.started(plan.steps(), from);
        GenerationOptions options = GenerationOptions.of(listener).checkpointing(every, c -> {
            write(c, checkpoint);
            onSaved.accept(c.completedSteps());
        });
        if (resume != null) {
            options = options.resumingFrom(resume);
        }
        return new Outcome(kino.generate(plan, options), from);
    }

    private static Checkpoint read(Path file, GenerationPlan plan) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (InputStream in = Files.newInputStream(file)) {
            Checkpoint c = Checkpoint.readFrom(in);
            return c.planFingerprint().equals(plan.fingerprint()) ? c : null;
        } catch (IOException | KinoException e) {
            return null;
        }
    }

    /** Temporary file, fsync, atomic rename: after a kill the file is the previous checkpoint or this one. */
    private static void write(Checkpoint c, Path file) {
        Path temp = file.resolveSibling(file.getFileName() + ".partial");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(c.toBytes());
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
                ch.force(true);
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp); // a full disk must not keep half a checkpoint
            } catch (IOException ignored) {
                // the next start removes leftover partial files
            }
            throw new KinoException("Cannot write the checkpoint " + file + " (" + e.getMessage()
                    + "); free disk space under the data folder.", e);
        }
    }
}
