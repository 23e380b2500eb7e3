package dev.kino.pipeline;

import dev.kino.KinoException;

import java.util.HashSet;
import java.util.Set;

/**
 * Who may use the pipeline's native resources, and when they are freed: generations {@link #enter} and
 * {@link #exit}; {@link #close} marks the pipeline closing (running generations see {@link #closing} and
 * stop at their next step), waits for them to leave, and the last one out frees the resources exactly once.
 * Nothing is freed while a generation is inside, so ONNX Runtime never runs on a freed session.
 */
final class Lifecycle {
    private final Runnable free;
    private final Set<Thread> inside = new HashSet<>();
    private int running;
    private boolean closing;
    /** The resources have been claimed for freeing / are freed. */
    private boolean freed;
    private boolean done;

    Lifecycle(Runnable free) {
        this.free = free;
    }

    synchronized void enter() {
        if (closing) {
            throw new KinoException("The pipeline is closed; load the model again to generate.");
        }
        running++;
        inside.add(Thread.currentThread());
    }

    void exit() {
        boolean last;
        synchronized (this) {
            running--;
            inside.remove(Thread.currentThread());
            last = closing && running == 0 && !freed;
            if (last) {
                freed = true;
            }
        }
        if (last) {
            try {
                free.run();
            } finally {
                synchronized (this) {
                    done = true;
                    notifyAll();
                }
            }
        }
    }

    boolean closing() {
        synchronized (this) {
            return closing;
        }
    }

    void close() {
        boolean freeNow;
        synchronized (this) {
            if (closing) {
                waitUntilFreed();
                return;
            }
            closing = true;
            freeNow = running == 0;
            if (freeNow) {
                freed = true;
            }
        }
        if (freeNow) {
            try {
                free.run();
            } finally {
                synchronized (this) {
                    done = true;
                    notifyAll();
                }
            }
            return;
        }
        synchronized (this) {
            waitUntilFreed();
        }
    }

    /** Waits for the last generation to free the resources, unless this thread is one of them (a listener). */
    private void waitUntilFreed() {
        if (inside.contains(Thread.currentThread())) {
            return;
        }
        boolean interrupted = false;
        while (!done) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true; // the resources must not be freed under a running generation: keep waiting
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
