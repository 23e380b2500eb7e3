package dev.kino.server.work;

import dev.kino.pipeline.ExpertResidency;
import dev.kino.runtime.Device;
import dev.kino.server.queue.JobStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One worker thread per device, each with its own model cache, all claiming from the same durable queue.
 * Cancels reach a running job through {@link #cancel}; {@link #close} stops the workers and leaves their jobs
 * queued with their checkpoints, to resume at the next start.
 */
public final class Workers implements AutoCloseable {
    /** Tuning: models kept loaded per worker, steps between checkpoints, steps between preview pictures. */
    public record Settings(int modelsPerWorker, int checkpointEvery, int previewEvery) {
        public static final Settings DEFAULT = new Settings(2, 4, 4);
    }

    private final List<Worker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    final Set<String> cancels = ConcurrentHashMap.newKeySet();
    private final Object signal = new Object();
    final SpaceReserve reserve;
    volatile boolean stopping;

    /** {@code experts}: how each worker loads a mixture's experts ({@code kino serve --experts}). */
    public Workers(JobStore store, ModelCatalog catalog, List<Device> devices, Path dataDir, WorkEvents events,
                   Settings settings, ExpertResidency experts) {
        this.reserve = new SpaceReserve(dataDir);
        for (int i = 0; i < devices.size(); i++) {
            String name = "worker-" + (i + 1) + "-" + devices.get(i);
            workers.add(new Worker(name, this, store, new ModelCache(catalog, devices.get(i), settings.modelsPerWorker(),
                    experts), dataDir, events, settings));
        }
    }

    /**
     * Model name → the workers that hold it loaded now, each with how its experts stay in memory
     * ({@code expert_residency}: {@code one} at a time or {@code both}) and, one at a time, the expert sessions
     * it closed and opened lately ({@code expert_sessions}, the last 32): what {@code GET /api/models} shows.
     */
    public Map<String, List<Map<String, Object>>> loaded() {
        Map<String, List<Map<String, Object>>> out = new TreeMap<>();
        for (Worker w : workers) {
            w.loadedModels().forEach((model, kino) -> {
                Map<String, Object> copy = new LinkedHashMap<>();
                copy.put("worker", w.name());
                copy.put("expert_residency", kino.expertsOneAtATime() ? "one" : "both");
                if (kino.expertsOneAtATime()) {
                    copy.put("expert_sessions", kino.expertEvents());
                }
                out.computeIfAbsent(model, m -> new ArrayList<>()).add(copy);
            });
        }
        return out;
    }

    public void start() {
        reserve.restore();
        for (Worker w : workers) {
            Thread t = new Thread(w, "kino-" + w.name());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** The space that lets the database record how running jobs end on a full disk. */
    public SpaceReserve reserve() {
        return reserve;
    }

    /** Wakes idle workers: a job was queued. */
    public void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /** Asks the worker running {@code jobId} (if any) to stop it at its next step. */
    public void cancel(String jobId) {
        cancels.add(jobId);
    }

    /** Waits up to {@code millis} for {@link #wake}. */
    void idle(long millis) throws InterruptedException {
        synchronized (signal) {
            if (!stopping) {
                signal.wait(millis);
            }
        }
    }

    public List<String> names() {
        return workers.stream().map(Worker::name).toList();
    }

    @Override
    public void close() {
        stopping = true;
        wake();
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        workers.forEach(Worker::closeModels);
    }
}
