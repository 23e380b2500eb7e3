package dev.kino.pipeline;

import dev.kino.runtime.OnnxModel;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * The one expert session a pipeline loaded with {@link ExpertResidency#ONE} holds: expert {@code e} of a LoRA set
 * (the empty set: the package's own weights). Generations share the resident session; one that needs another
 * expert or LoRA set waits until no generation uses the resident one, which is then closed before the next
 * opens, so two experts are never open together. A generation holds at most one expert at a time, so waiting
 * cannot deadlock. Opening happens under the lock on purpose: a second opener must not load a third copy.
 */
final class ExpertSlot implements AutoCloseable {
    private final BooleanSupplier closing;
    /** The last {@link #KEPT_EVENTS} events: a server's pipeline lives for thousands of generations. */
    static final int KEPT_EVENTS = 32;
    private final ArrayDeque<String> events = new ArrayDeque<>();
    private List<String> key;
    private int expert = -1;
    private OnnxModel session;
    private int users;
    private boolean closed;
    private long closedNanos;
    private long closedRuns;

    /** @param closing true once the pipeline is closing: waiting generations then stop instead of opening */
    ExpertSlot(BooleanSupplier closing) {
        this.closing = closing;
    }

    /** The session of {@code expert} with the LoRA set {@code key}, opened by {@code open} unless resident. */
    OnnxModel acquire(List<String> key, int expert, IntFunction<OnnxModel> open) {
        return acquire(key, expert, open, null);
    }

    /**
     * The session of {@code expert} with the LoRA set {@code key}, opened by {@code open} unless resident; the
     * closes and opens this causes are also added to {@code caused} (the generation's own record; null: none).
     */
    synchronized OnnxModel acquire(List<String> key, int expert, IntFunction<OnnxModel> open, List<String> caused) {
        while (session != null && !resident(key, expert) && users > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GenerationCancelledException(0);
            }
        }
        if (closed || closing.getAsBoolean()) {
            throw new GenerationCancelledException(0);
        }
        if (session == null || !resident(key, expert)) {
            evict(caused);
            OnnxModel opened = open.apply(expert);
            log("open " + expert, caused);   // logged as it happens: after the evicted expert's close
            session = opened;
            this.key = key;
            this.expert = expert;
        }
        users++;
        return session;
    }

    private boolean resident(List<String> key, int expert) {
        return expert == this.expert && key.equals(this.key);
    }

    /** A generation is done with the session it acquired. */
    synchronized void release() {
        users--;
        if (closed && users == 0) {
            evict(null);   // closed while in use (cannot happen through the pipeline's close, which waits): last one out
        }
        notifyAll();
    }

    private void log(String event, List<String> caused) {
        if (events.size() == KEPT_EVENTS) {
            events.removeFirst();
        }
        events.addLast(event);
        if (caused != null) {
            caused.add(event);
        }
    }

    private void evict(List<String> caused) {
        if (session != null) {
            closedNanos += session.runNanos();
            closedRuns += session.runCount();
            session.close();
            log("close " + expert, caused);
            session = null;
            key = null;
            expert = -1;
        }
    }

    /** Nanoseconds inside ONNX Runtime of every expert session this slot has held. */
    synchronized long runNanos() {
        return closedNanos + (session == null ? 0 : session.runNanos());
    }

    /** ONNX Runtime runs of every expert session this slot has held. */
    synchronized long runCount() {
        return closedRuns + (session == null ? 0 : session.runCount());
    }

    /** What happened, in order ({@code open 0}, {@code close 0}, {@code open 1}, ...), the last {@link #KEPT_EVENTS}. */
    synchronized List<String> events() {
        return List.copyOf(events);
    }

    /**
     * Closes the resident session (the pipeline calls it once no generation runs); one still in use is closed
     * when it is given back, never under a running step. Later acquires stop the generation.
     */
    @Override
    public synchronized void close() {
        closed = true;
        if (users == 0) {
            evict(null);
        }
        notifyAll();
    }
}
