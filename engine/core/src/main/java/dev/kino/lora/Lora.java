package dev.kino.lora;

import dev.kino.KinoException;

import java.nio.file.Path;
import java.util.Locale;

/**
 * One LoRA to apply: a safetensors file, its strength (1 = as trained, 0 = off, negative subtracts it) and the
 * denoiser expert it applies to (null: every expert; 0 = the high-noise expert of Wan 2.2 A14B, 1 = low noise).
 *
 * @param file     the .safetensors file
 * @param strength multiplies the LoRA's change to every weight
 * @param expert   index of the one expert it applies to, or null for all
 */
public record Lora(Path file, double strength, Integer expert) {

    public Lora {
        if (!Double.isFinite(strength)) {
            throw new KinoException("The LoRA strength of " + file + " is " + strength + "; give a finite number.");
        }
    }

    /** {@code FILE[:STRENGTH[:EXPERT]]} as the command line takes it; EXPERT is {@code high}, {@code low} or a number. */
    public static Lora parse(String spec) {
        String[] parts = spec.split(":");
        int n = parts.length;
        Integer expert = null;
        if (n >= 3 && expertIndex(parts[n - 1]) != null && isNumber(parts[n - 2])) {
            expert = expertIndex(parts[n - 1]);
            n--;
        }
        double strength = 1;
        if (n >= 2 && isNumber(parts[n - 1])) {
            strength = Double.parseDouble(parts[n - 1]);
            n--;
        }
        String file = String.join(":", java.util.Arrays.copyOf(parts, n));
        if (file.isEmpty()) {
            throw new KinoException("--lora '" + spec + "' names no file; write --lora FILE[:STRENGTH[:high|low]].");
        }
        return new Lora(Path.of(file), strength, expert);
    }

    private static boolean isNumber(String s) {
        try {
            return Double.isFinite(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Integer expertIndex(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "high", "1" -> 0;
            case "low", "2" -> 1;
            default -> null;
        };
    }

    /** Whether it applies to expert {@code index}. */
    public boolean appliesTo(int index) {
        return expert == null || expert == index;
    }

    @Override
    public String toString() {
        return file + ":" + strength + (expert == null ? "" : expert == 0 ? ":high" : ":low");
    }
}
