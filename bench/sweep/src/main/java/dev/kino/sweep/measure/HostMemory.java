package dev.kino.sweep.measure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peak resident memory (RSS) of this process while a run is measured, from Linux's {@code /proc}.
 *
 * <p>Linux keeps the process's peak RSS as {@code VmHWM}; writing 5 to {@code /proc/self/clear_refs} resets
 * it to the current RSS, so a reset before the run and a read after it give the run's own peak. Where that
 * write is refused, a background thread samples {@code VmRSS} every few milliseconds instead (it can miss
 * short spikes). Either way the figure is the whole process's memory: the JVM heap (which the garbage
 * collector rarely returns), the open ONNX sessions and their arenas, and the run's buffers. It is what a
 * machine needs to hold that run in this process, not the run's marginal cost.
 */
public final class HostMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final long SAMPLE_MILLIS = 5;

    /** A measured peak, or a null peak with why it is absent. */
    public record Reading(Long peakBytes, String method) {
    }

    private HostMemory() {
    }

    /** Starts measuring; {@link Watch#stop()} returns the peak since now. */
    public static Watch start() {
        if (statusKb("VmRSS") < 0) {
            return new Watch(null, "absent: /proc/self/status is not readable on this OS");
        }
        try {
            Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
            return new Watch(null, "VmHWM (peak RSS) of the process, reset before the run");
        } catch (IOException | SecurityException e) {
            return new Watch(new Sampler(), "VmRSS of the process sampled every " + SAMPLE_MILLIS + " ms");
        }
    }

    /** One measurement in progress. */
    public static final class Watch {
        private final Sampler sampler;
        private final String method;

        private Watch(Sampler sampler, String method) {
            this.sampler = sampler;
            this.method = method;
        }

        public Reading stop() {
            if (method.startsWith("absent")) {
                return new Reading(null, method);
            }
            long kb = sampler == null ? statusKb("VmHWM") : sampler.stop();
            return kb < 0 ? new Reading(null, "absent: /proc/self/status has no peak") : new Reading(kb * 1024, method);
        }
    }

    /** Polls VmRSS on a daemon thread and keeps the largest value. */
    private static final class Sampler {
        private final AtomicLong maxKb = new AtomicLong(statusKb("VmRSS"));
        private volatile boolean running = true;
        private final Thread thread;

        Sampler() {
            thread = new Thread(() -> {
                while (running) {
                    maxKb.accumulateAndGet(statusKb("VmRSS"), Math::max);
                    try {
                        Thread.sleep(SAMPLE_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "kino-rss-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        long stop() {
            running = false;
            thread.interrupt();
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return maxKb.accumulateAndGet(statusKb("VmRSS"), Math::max);
        }
    }

    /** A {@code kB} field of /proc/self/status, or -1. */
    static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    return Long.parseLong(parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
