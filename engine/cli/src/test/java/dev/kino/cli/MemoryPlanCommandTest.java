package dev.kino.cli;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kino info --device cuda:0 --memory SIZE}: the memory plan for a GPU, made from the files on a machine
 * without one, says whether the video fits and what would.
 */
class MemoryPlanCommandTest {
    private static final String WAN22 = Fixtures.testResources().resolve("wan").resolve("tiny-wan22").toString();

    private static Cli.Run info(String memory) {
        return Cli.kino("info", "--model", WAN22, "--device", "cuda:0", "--memory", memory,
                "--width", "320", "--height", "192", "--frames", "49");
    }

    /** The planned total on the GPU, in MiB, from the report. */
    private static double total(String out) {
        Matcher m = Pattern.compile("total on the GPU: ([0-9.]+) MiB").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aVideoThatFitsSaysSo() {
        Cli.Run run = info("2GB");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("Memory     at 320x192, 49 frames, denoiser batch 2"), run.out());
        assertTrue(run.out().contains("denoiser expert 2"), run.out());
        assertTrue(run.out().contains("fits: yes"), run.out());
    }

    @Test
    void aVideoThatDoesNotFitNamesWhatWould() {
        double total = total(info("2GB").out());
        // just under the total: dropping one expert (14 MiB) or a smaller size fits, fewer frames does not
        // (the causal VAE decodes a few frames at a time, so frames barely move the peak)
        Cli.Run tight = info((long) ((total - 4) * 1024) + "KB");
        assertEquals(0, tight.exitCode(), tight.err());
        assertTrue(tight.out().contains("fits: NO"), tight.out());
        assertTrue(tight.out().contains("one expert loaded at a time"), tight.out());
        Cli.Run small = info("200MB");
        assertTrue(small.out().contains("fits: NO"), small.out());
        assertFalse(small.out().contains("one expert loaded at a time"), "one expert does not fit 200 MB: " + small.out());
        Matcher size = Pattern.compile("what would fit: .*?(\\d+)x(\\d+) \\(").matcher(small.out());
        assertTrue(size.find(), small.out());
        // the size it names does fit when planned
        Cli.Run there = Cli.kino("info", "--model", WAN22, "--device", "cuda:0", "--memory", "200MB",
                "--width", size.group(1), "--height", size.group(2), "--frames", "49");
        assertTrue(there.out().contains("fits: yes"), there.out());
    }

    /** A quantized package's row shows what ONNX Runtime pre-packs its weights into; a float one's does not. */
    @Test
    void quantizedDenoisersShowTheirPrePackedCopies(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        String int8 = Fixtures.overlaid(Fixtures.testResources().resolve("wan").resolve("tiny-wan21-int8"), tmp).toString();
        Cli.Run run = Cli.kino("info", "--model", int8, "--width", "48", "--height", "32", "--frames", "9");
        assertEquals(0, run.exitCode(), run.err());
        Matcher row = Pattern.compile("denoiser +int8 +weights +[0-9.]+ KiB, pre-packed +([0-9.]+) KiB").matcher(run.out());
        assertTrue(row.find(), run.out());
        assertTrue(Double.parseDouble(row.group(1)) > 20, "the int8 matrices' packed copies: " + run.out());
        assertFalse(info("2GB").out().contains("pre-packed"), "fp32 graphs pre-pack nothing extra");
    }

    @Test
    void aBadMemorySizeIsOneSentence() {
        Cli.Run run = info("lots");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("--memory must be a size such as 24GB"), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }
}
