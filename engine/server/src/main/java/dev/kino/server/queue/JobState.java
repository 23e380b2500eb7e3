package dev.kino.server.queue;

import java.util.Locale;

/** A job's life: queued → running → succeeded | failed | canceled. A killed server's running job goes back to queued. */
public enum JobState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELED;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELED;
    }

    public static JobState of(String key) {
        return valueOf(key.toUpperCase(Locale.ROOT));
    }
}
