package dev.kino.sweep;

import dev.kino.sweep.measure.MachineInfo;

import java.util.List;
import java.util.Map;

/** Hand-made results for tests of the folder, the summary and the report writers. */
public final class TestResults {
    public static final MachineInfo MACHINE = new MachineInfo("Linux 6", "amd64", "Test CPU", 2, 8L << 30,
            "17", "development build", "1.24.1", "CPU", null);
    public static final CellResult.ModelInfo MODEL = new CellResult.ModelInfo("test-model", "/models/test",
            "ab".repeat(32), Map.of("_class_name", "DDIMScheduler"));

    private TestResults() {
    }

    /** A cell of {@code scheduler} at {@code steps}; {@code psnr} +∞ means identical to the reference. */
    public static CellResult cell(String prompt, long seed, String scheduler, int steps, double psnr,
                                  double generationMs, String referenceId) {
        Cell c = new Cell(prompt, seed, 5.0, scheduler, steps);
        boolean identical = Double.isInfinite(psnr);
        CellResult.Quality q = new CellResult.Quality(identical ? null : psnr, identical, identical ? null : psnr - 1,
                80.0, identical ? 4 : 0, identical ? 1.0 : psnr / 100, 0.5, 0.3, 0.1, 4.0, 5.0, 0.8,
                java.util.Collections.nCopies(4, identical ? null : psnr), java.util.Collections.nCopies(4, 0.5));
        return result(c, new CellResult.Reference(referenceId, "ddim", 50), q, generationMs);
    }

    public static CellResult reference(String prompt, long seed) {
        return result(new Cell(prompt, seed, 5.0, "ddim", 50), null, null, 500);
    }

    private static CellResult result(Cell c, CellResult.Reference ref, CellResult.Quality q, double generationMs) {
        double denoise = generationMs * 0.8;
        CellResult.Timings t = new CellResult.Timings(List.of(
                new CellResult.Stage("tokenize", 0.1, 0, 0.1),
                new CellResult.Stage("text encode", 1, 0.9, 0.1),
                new CellResult.Stage("denoise", denoise, denoise * 0.9, denoise * 0.1),
                new CellResult.Stage("VAE decode", generationMs * 0.2 - 1.1, generationMs * 0.2 - 1.2, 0.1),
                new CellResult.Stage("encode MP4", 7, 0, 7)),
                java.util.Collections.nCopies(c.steps(), denoise / c.steps()), generationMs, generationMs + 7, 1);
        String dir = (ref == null ? "reference/" : "cells/") + c.id();
        return new CellResult(CellResult.FORMAT, c.id(), c.prompt(), c.promptId(), c.seed(), c.guidance(),
                c.scheduler(), Map.of("_class_name", "DDIMScheduler"), c.steps(), ref, new CellResult.Video(4, 32, 32, 8, dir + "/strip.png", dir + "/video.mp4"),
                t, new CellResult.Memory(123L << 20, "test", null, "absent: the run used the CPU"), q, MODEL, MACHINE, 0,
                "2025-01-01T00:00:00Z", c.loraStrength(), c.precision(), null, List.of());
    }
}
