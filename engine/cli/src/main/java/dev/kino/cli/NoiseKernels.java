package dev.kino.cli;

import dev.kino.KinoException;
import dev.kino.noise.TorchGenerator;

import java.util.Locale;

/** Parses {@code --noise-kernel}. */
final class NoiseKernels {
    private NoiseKernels() {
    }

    static TorchGenerator.Kernel parse(String text) {
        if (text == null) {
            return null;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "avx2" -> TorchGenerator.Kernel.AVX2;
            case "scalar" -> TorchGenerator.Kernel.SCALAR;
            default -> throw new KinoException("Unknown noise kernel \"" + text + "\"; use avx2 or scalar.");
        };
    }
}
