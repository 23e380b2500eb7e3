package dev.kino.runtime;

/**
 * Whether native libraries (ONNX Runtime, FFmpeg) may print their own log lines. Off by default: Kino turns
 * their failures into one sentence, and their raw logs before that sentence only confuse; a program's
 * {@code --verbose} turns them on for debugging. Set it before the first model loads.
 */
public final class NativeLogs {
    private static volatile boolean verbose = Boolean.getBoolean("kino.verbose");

    private NativeLogs() {
    }

    /** Whether native libraries may log (system property {@code kino.verbose}, or {@link #setVerbose}). */
    public static boolean verbose() {
        return verbose;
    }

    /** Lets native libraries log ({@code true}) or keeps them quiet; call before the first model loads. */
    public static void setVerbose(boolean on) {
        verbose = on;
    }
}
