package dev.kino.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.server.queue.Job;
import dev.kino.server.work.WorkEvents;
import io.javalin.http.sse.SseClient;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Server-sent events to every page and client: {@code job} (a job's row changed: state, priority, progress
 * at checkpoints), {@code reload} (more than a thousand jobs were queued at once: list them again) and {@code progress} (a step finished: step, steps, it/s, ETA, sometimes a preview picture).
 * Events go out on one sender thread with a bounded backlog, so a slow listener never slows a worker; when
 * the backlog is full, progress events are dropped (the next one supersedes them) but job events never are.
 */
public final class EventHub implements WorkEvents, Consumer<Job>, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(10_000), r -> {
                Thread t = new Thread(r, "kino-events");
                t.setDaemon(true);
                return t;
            });
    public EventHub() {
    }

    void add(SseClient client) {
        client.keepAlive();
        client.onClose(() -> clients.remove(client));
        clients.add(client);
        client.sendComment("connected");
    }

    int listeners() {
        return clients.size();
    }

    @Override
    public void accept(Job job) {
        send("job", Views.job(job), true);
    }

    /** Many jobs changed at once (a big project was submitted): listeners reload the job list. */
    void reload() {
        send("reload", Map.of(), true);
    }

    @Override
    public void progress(String jobId, int step, int steps, double itPerSecond, double etaSeconds, String preview) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", jobId);
        e.put("step", step);
        e.put("steps", steps);
        e.put("it_per_s", Math.round(itPerSecond * 100) / 100.0);
        e.put("eta_s", Math.round(etaSeconds * 10) / 10.0);
        if (preview != null) {
            e.put("preview", preview);
        }
        send("progress", e, false);
    }

    private void send(String event, Object data, boolean mustArrive) {
        String json;
        try {
            json = JSON.writeValueAsString(data);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (!mustArrive && sender.getQueue().remainingCapacity() < 1000) {
            return;
        }
        try {
            sender.execute(() -> {
                for (SseClient c : clients) {
                    try {
                        c.sendEvent(event, json);
                    } catch (RuntimeException gone) {
                        clients.remove(c);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException full) {
            // only after close, or a backlog of 10,000 job events: listeners reload the queue on reconnect
        }
    }

    @Override
    public void close() {
        sender.shutdown();
        clients.forEach(c -> {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // already gone
            }
        });
    }
}
