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

    public static boolean verbose() {
        return verbose;
    }

    public static void setVerbose(boolean on) {
        verbose = on;
    }
}
