package dev.kino.server.queue;

import dev.kino.KinoException;

/** A request the queue refuses, in one sentence; {@link #reason} tells the HTTP layer which status fits. */
public final class QueueException extends KinoException {
    private static final long serialVersionUID = 1L;

    /**
     * Why: no such job or project; it conflicts with the item's state or an earlier request; or an earlier request
     * made it and it has since been deleted.
     */
    public enum Reason { NOT_FOUND, CONFLICT, GONE }

    private final Reason reason;

    public QueueException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    static QueueException notFound(String what, String id) {
        return new QueueException(Reason.NOT_FOUND, "There is no " + what + " " + id + "; list them with GET /api/"
                + what + "s.");
    }
}
