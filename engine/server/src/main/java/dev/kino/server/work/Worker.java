package dev.kino.server.work;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import dev.kino.denoise.StepEvent;
import dev.kino.denoise.StepListener;
import dev.kino.pipeline.GenerationCancelledException;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.server.queue.Job;
import dev.kino.server.queue.JobStore;
import dev.kino.server.queue.ProjectStore;
import dev.kino.server.queue.QueueException;
import dev.kino.shots.TakeVideo;
import dev.kino.video.Mp4Writer;
import dev.kino.video.VideoFrames;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** One device's loop: claim a job, render it (checkpointing, reporting progress), record how it ended. */
final class Worker implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Workers pool;
    private final JobStore store;
    private final ModelCache models;
    private final Path videos;
    private final Path checkpoints;
    private final WorkEvents events;
    private final Workers.Settings settings;
    private final ProjectStore projects;
    private String lastReport;

    Worker(String name, Workers pool, JobStore store, ModelCache models, Path dataDir, WorkEvents events,
           Workers.Settings settings) {
        this.name = name;
        this.pool = pool;
        this.store = store;
        this.models = models;
        this.videos = dataDir.resolve("videos");
        this.checkpoints = dataDir.resolve("checkpoints");
        this.events = events;
        this.settings = settings;
        this.projects = new ProjectStore(store);
    }

    String name() {
        return name;
    }

    @Override
    public void run() {
        while (!pool.stopping) {
            try {
                if (!pool.reserve.restore()) {
                    // No job starts on a full disk: the reserve must be there to record how it ends.
                    report(name + ": the disk under the data folder is full; no job starts until space is freed there");
                    pool.idle(1000);
                    continue;
                }
                Job job = store.claim(name, models.names());
                lastReport = null;
                if (job == null) {
                    pool.idle(500);
                } else {
                    render(job);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The database cannot claim (a full disk): say so once, not once a second, and keep trying.
                report(name + ": " + e.getMessage());
                sleep();
            }
        }
    }

    private void render(Job job) {
        Path checkpoint = checkpoints.resolve(job.id() + ".ckpt");
        try {
            if (job.cancelRequested() || pool.cancels.remove(job.id())) {
                settle(job.id(), () -> store.canceled(job.id()));
                return;
            }
            GenerationRequest request = continuing(job, GenerationRequest.fromJson(JSON.readValue(job.request(), java.util.Map.class)));
            if (request == null) {
                return; // its source shot lost its pick after the claim: back to waiting
            }
            String stored = store.plan(job.id());
            TextToVideoPipeline kino = models.get(job.model());
            // The plan made at submit, as it was checked (its pictures' bytes checked against their hashes); a take
            // continuing another shot is planned now, from that shot's pick.
            GenerationPlan plan = stored != null && request.continueFrom() == null ? GenerationPlan.fromJson(stored)
                    : kino.plan(request);
            PreviewFactors factors = PreviewFactors.read(kino.modelPackage().dir());
            Files.createDirectories(checkpoints);
            CheckpointedRun.Outcome out = CheckpointedRun.run(kino, plan, listener(job.id(), factors), checkpoint,
                    settings.checkpointEvery(), (steps, from) -> store.started(job.id(), steps, from),
                    step -> store.progress(job.id(), step));
            VideoFrames frames = out.result().frames();
            Files.createDirectories(videos);
            String file = job.id() + ".mp4";
            Mp4Writer.write(frames, out.result().settings().fps(), videos.resolve(file),
                    TakeVideo.viewingScale(frames.width(), frames.height()));
            settle(job.id(), () -> store.succeeded(job.id(), file, frames.count(), out.result().warnings()));
            Files.deleteIfExists(checkpoint);
        } catch (GenerationCancelledException e) {
            if (pool.stopping && !pool.cancels.contains(job.id())) {
                settle(job.id(), () -> store.requeue(job.id())); // shutdown: resume from the checkpoint next start
            } else {
                pool.cancels.remove(job.id());
                settle(job.id(), () -> store.canceled(job.id()));
                deleteQuietly(checkpoint);
            }
        } catch (KinoException e) {
            settle(job.id(), () -> store.failed(job.id(), e.getMessage()));
            deleteQuietly(checkpoint);
        } catch (IOException e) {
            settle(job.id(), () -> store.failed(job.id(), "Cannot write the job's files under the data folder ("
                    + e.getMessage() + "); free disk space there and retry the job."));
            deleteQuietly(checkpoint);
        } catch (RuntimeException e) {
            System.err.println("kino serve: job " + job.id() + " failed with an internal error:");
            e.printStackTrace();
            settle(job.id(), () -> store.failed(job.id(), "Internal error in Kino (" + e
                    + "); the server log has the details."));
        }
    }

    /**
     * Records how a job ended. When the database cannot save it (a full disk), the space reserve is released and
     * the write tried again at once, so the job leaves {@code running} while the disk is still full. Should even
     * that fail, this worker keeps retrying every second and claims nothing else; a server stopped meanwhile
     * leaves the job running, and the next start puts it back in the queue.
     */
    private void settle(String jobId, Runnable write) {
        while (true) {
            try {
                write.run();
                lastReport = null;
                return;
            } catch (RuntimeException e) {
                if (pool.reserve.release()) {
                    report(name + ": " + e.getMessage() + " Released the data folder's space reserve to record how job "
                            + jobId + " ended.");
                    continue;
                }
                report(name + ": cannot record how job " + jobId + " ended yet: " + e.getMessage()
                        + " (retrying every second)");
                if (pool.stopping) {
                    return;
                }
                sleep();
            }
        }
    }

    /** Prints a problem once, not again while it repeats. */
    private void report(String message) {
        if (!message.equals(lastReport)) {
            System.err.println("kino serve: " + message);
            lastReport = message;
        }
    }

    /**
     * The request of a take that continues from another shot, starting from that shot's pick as it is now (the
     * claim saw a finished pick); a pick changed between two attempts makes another plan, so no checkpoint of
     * the old one is reused. Null (the job requeued) when the shot has no finished pick any more.
     */
    private GenerationRequest continuing(Job job, GenerationRequest r) {
        Job source;
        try {
            source = job.projectId() == null ? null : projects.source(job.id());
        } catch (QueueException e) {
            store.requeue(job.id());
            return null;
        }
        if (source == null) {
            return r;
        }
        return r.with(dev.kino.request.RequestSchema.CONTINUE_FROM, videos.resolve(source.video()));
    }

    private StepListener listener(String jobId, PreviewFactors factors) {
        return new StepListener() {
            private long lastEvent;
            private int firstStep = -1; // a resumed run's clock starts at its first step, not at step 0

            @Override
            public boolean onStep(StepEvent e) {
                if (pool.stopping || pool.cancels.contains(jobId)) {
                    return false;
                }
                int done = e.step() + 1;
                if (firstStep < 0) {
                    firstStep = e.step();
                }
                boolean last = done == e.steps();
                long now = System.nanoTime();
                boolean preview = last || done % Math.max(1, settings.previewEvery()) == 0;
                if (preview || last || now - lastEvent > 100_000_000L) { // at most ~10 plain events a second
                    lastEvent = now;
                    double seconds = e.elapsed().toNanos() / 1e9;
                    double rate = seconds > 0 ? (e.step() - firstStep + 1) / seconds : 0;
                    double eta = rate > 0 ? (e.steps() - done) / rate : 0;
                    events.progress(jobId, done, e.steps(), rate, eta,
                            preview ? LatentPreview.dataUrl(e.latents(), factors) : null);
                }
                return true;
            }
        };
    }

    /** The models this worker holds loaded now (a snapshot: called from HTTP threads). */
    Map<String, TextToVideoPipeline> loadedModels() {
        return models.loadedNow();
    }

    void closeModels() {
        models.close();
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // an orphaned checkpoint is only disk space; the job is finished either way
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
