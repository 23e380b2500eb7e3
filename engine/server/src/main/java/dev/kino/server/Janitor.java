package dev.kino.server;

import dev.kino.server.queue.Housekeeping;
import dev.kino.server.work.UploadedFiles;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Collects uploaded files (pictures, videos, LoRAs) nothing uses: at start and then every hour, an upload older than {@link #GRACE} that
 * no queued or running job and no project's shot list names is deleted (a client uploads first and submits
 * after, so a fresh upload is left alone).
 */
final class Janitor implements AutoCloseable {
    /** How long an unused upload is kept. */
    static final Duration GRACE = Duration.ofHours(24);
    private final UploadedFiles pictures;
    private final Housekeeping housekeeping;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kino-janitor");
        t.setDaemon(true);
        return t;
    });

    Janitor(UploadedFiles pictures, Housekeeping housekeeping) {
        this.pictures = pictures;
        this.housekeeping = housekeeping;
        timer.scheduleWithFixedDelay(this::collect, 0, 1, TimeUnit.HOURS);
    }

    /** One collection; returns how many uploads went. */
    int collect() {
        try {
            return pictures.collect(housekeeping::pictureInUse, GRACE);
        } catch (IOException | RuntimeException e) {
            System.err.println("kino serve: could not collect unused uploads: " + e.getMessage());
            return 0;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
