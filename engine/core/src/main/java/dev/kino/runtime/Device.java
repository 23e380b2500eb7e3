package dev.kino.runtime;

import dev.kino.KinoException;

import java.util.Locale;

/**
 * Where the user asked the ONNX graphs to run: {@code auto} (CUDA when its provider loads, else the CPU),
 * {@code cpu}, or {@code cuda} / {@code cuda:N}.
 */
public record Device(Kind kind, int index) {

    /** Which kind of device. */
    public enum Kind {
        /** CUDA when available, else the CPU. */
        AUTO,
        /** The CPU. */
        CPU,
        /** A CUDA GPU. */
        CUDA
    }

    /** CUDA when this build and machine have it, else the CPU. */
    public static final Device AUTO = new Device(Kind.AUTO, 0);
    /** The CPU. */
    public static final Device CPU = new Device(Kind.CPU, 0);

    /** The CUDA GPU with this index. */
    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** Parses {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}. */
    public static Device parse(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) {
            return AUTO;
        }
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("cuda")) {
            return cuda(0);
        }
        if (s.startsWith("cuda:")) {
            try {
                int index = Integer.parseInt(s.substring(5));
                if (index >= 0) {
                    return cuda(index);
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new KinoException("Unknown device \"" + text + "\"; use auto, cpu, cuda or cuda:N (N = GPU index).");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case AUTO -> "auto";
            case CPU -> "cpu";
            case CUDA -> "cuda:" + index;
        };
    }
}
