package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.model.Manifest;

/**
 * Refuses a video that cannot fit in this JVM before any work starts, naming the largest size that does.
 * Counted in {@code long}: the latent-sized arrays of the loop and the scheduler, and the decoded frames
 * (float output of the VAE plus 8-bit RGB); each array must also fit Java's array limit. ONNX Runtime's own
 * activations live outside the Java heap and are not counted here.
 */
final class MemoryCheck {
    /** The largest Java array, in elements. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /**
     * Latent-sized float arrays alive during the loop: latents, model input, prediction, the batched
     * predictions (two with guidance), up to five of a multistep scheduler's, one checkpoint copy.
     */
    private static final long LATENT_ARRAYS = 11;
    /** Bytes per video pixel: the VAE's float32 RGB output and the 8-bit RGB frames. */
    private static final long BYTES_PER_PIXEL = 3 * 4 + 3;

    private MemoryCheck() {
    }

    static void check(Manifest m, int frames, int width, int height, boolean guided, int multiple) {
        long budget = Runtime.getRuntime().maxMemory();
        if (fits(m, frames, width, height, guided, budget)) {
            return;
        }
        long need = bytes(m, frames, width, height, guided);
        String size = width + "x" + height + " with " + frames + " frames";
        String problem = need == Long.MAX_VALUE
                ? "is too large to hold in memory (its latents or frames exceed Java's largest array)"
                : "needs about " + human(need) + " of memory for its latents and frames, more than the "
                + human(budget) + " this Java process may use";
        int[] fit = largestFit(m, frames, width, height, guided, multiple, budget);
        throw new KinoException("A video of " + size + " " + problem + "; "
                + (fit == null ? "make fewer frames" : "the largest size that fits with " + frames + " frames is "
                + fit[0] + "x" + fit[1] + " (or make fewer frames" + (need == Long.MAX_VALUE ? "" : ", or raise -Xmx")
                + ")") + ".");
    }

    static boolean fits(Manifest m, int frames, int width, int height, boolean guided, long budget) {
        long need = bytes(m, frames, width, height, guided);
        return need != Long.MAX_VALUE && need <= budget;
    }

    /** Bytes the generation holds on the Java heap, or {@code Long.MAX_VALUE} when an array would be too large. */
    static long bytes(Manifest m, int frames, int width, int height, boolean guided) {
        Manifest.Latent l = m.latent();
        int cell = l.spatialCompression();
        try {
            long latents = Math.multiplyExact(Math.multiplyExact((long) l.channels(), (long) l.latentFrames(frames)),
                    Math.multiplyExact((long) height / cell, (long) width / cell));
            long framePixels = Math.multiplyExact((long) width, height);
            long videoFloats = Math.multiplyExact(Math.multiplyExact(framePixels, 3), frames);
            if (Math.multiplyExact(latents, guided ? 2 : 1) > MAX_ARRAY || framePixels * 3 > MAX_ARRAY
                    || videoFloats > MAX_ARRAY) {
                return Long.MAX_VALUE;
            }
            long pixels = Math.multiplyExact(framePixels, frames);
            return Math.addExact(Math.multiplyExact(latents, LATENT_ARRAYS * Float.BYTES),
                    Math.multiplyExact(pixels, BYTES_PER_PIXEL));
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The largest size of the same aspect ratio, in whole multiples, that fits; null when none does. */
    private static int[] largestFit(Manifest m, int frames, int width, int height, boolean guided, int multiple,
                                    long budget) {
        double lo = 0;
        double hi = 1;
        int[] best = null;
        for (int i = 0; i < 60; i++) {
            double f = (lo + hi) / 2;
            int w = (int) (width * f / multiple) * multiple;
            int h = (int) (height * f / multiple) * multiple;
            if (w >= multiple && h >= multiple && fits(m, frames, w, h, guided, budget)) {
                best = new int[] {w, h};
                lo = f;
            } else {
                hi = f;
            }
        }
        if (best == null && fits(m, frames, multiple, multiple, guided, budget)) {
            best = new int[] {multiple, multiple};
        }
        return best;
    }

    private static String human(long bytes) {
        if (bytes >= 1L << 40) {
            return String.format("%.1f TiB", bytes / (double) (1L << 40));
        }
        if (bytes >= 1L << 30) {
            return String.format("%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format("%.0f MiB", bytes / (double) (1L << 20));
    }
}
