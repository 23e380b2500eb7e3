package dev.kino.schedule;

import java.util.stream.IntStream;

/**
 * Runs an element-wise kernel over latents in tiles. A step's passes (convert the model output, correct,
 * predict) run tile by tile, so each tile's arrays are still in cache for the next pass: a multi-pass step
 * reads the latent-sized arrays from memory about once. Large inputs spread their tiles over the common
 * fork-join pool; every element is computed the same way wherever it runs, so results do not depend on
 * the thread count.
 */
final class Tiles {
    /** Floats per tile: 64 KiB per array, so the five or six arrays of a UniPC step fit in L2. */
    static final int TILE = 1 << 14;
    /** Below this many floats the work is done on the calling thread. */
    private static final int PARALLEL_MIN = 1 << 18;

    /** A kernel applied to elements {@code [from, to)}. */
    @FunctionalInterface
    interface Kernel {
        void apply(int from, int to);
    }

    private Tiles() {
    }

    static void run(int n, Kernel kernel) {
        int tiles = (n + TILE - 1) / TILE;
        if (n < PARALLEL_MIN) {
            for (int t = 0; t < tiles; t++) {
                kernel.apply(t * TILE, Math.min(n, (t + 1) * TILE));
            }
            return;
        }
        IntStream.range(0, tiles).parallel().forEach(t -> kernel.apply(t * TILE, Math.min(n, (t + 1) * TILE)));
    }
}
