package dev.kino.pipeline;

import dev.kino.Fixtures;
import dev.kino.model.ModelPackage;
import dev.kino.runtime.GraphStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory plan from the files alone: weights per precision mode, activations growing with the video. */
class MemoryPlanTest {
    private static final Path WAN = Fixtures.testResources().resolve("wan");

    @TempDir
    Path tmp;

    @Test
    void weightsAreTheInitializersOfEachGraphWhateverTheirPrecision() throws IOException {
        // the fp32 graph's initializers take what its external data file holds (every weight is stored there)
        GraphStats s = GraphStats.read(WAN.resolve("tiny-wan22/denoiser.onnx"), "denoiser");
        long data = Files.size(WAN.resolve("tiny-wan22/denoiser.onnx_data"));
        assertTrue(Math.abs(s.weightBytes() - data) <= data / 50, s.weightBytes() + " vs " + data);
        assertEquals(2, s.heads(), "the tiny Wan denoiser's MultiHeadAttention declares 2 heads");
    }

    @Test
    void convertedPackagesPlanTheirOwnSmallerWeightsAndTheModeEstimatesMatchTheOtherPackages() {
        MemoryPlan.Graph fp32 = denoiser(WAN.resolve("tiny-wan21"));
        MemoryPlan.Graph int8 = denoiser(Fixtures.overlaid(WAN.resolve("tiny-wan21-int8"), tmp));
        MemoryPlan.Graph w4 = denoiser(Fixtures.overlaid(WAN.resolve("tiny-wan21-w4"), tmp));
        assertTrue(int8.weightBytes() < fp32.weightBytes() * 0.7, "int8 holds smaller weights");
        assertTrue(w4.weightBytes() < int8.weightBytes(), "w4 holds smaller weights than int8");
        assertEquals(fp32.activationBytes(), w4.activationBytes(), "activations do not depend on the weights' mode");
        // each converted package's estimate of the other modes against what those packages hold
        check("int8 -> fp32", int8.weightBytesIn("fp32"), fp32.weightBytes());
        check("w4 -> fp32", w4.weightBytesIn("fp32"), fp32.weightBytes());
        check("int8 -> w4", int8.weightBytesIn("w4"), w4.weightBytes());
        check("w4 -> int8", w4.weightBytesIn("int8"), int8.weightBytes());
    }

    private static void check(String what, long estimate, long real) {
        System.out.printf(Locale.ROOT, "%s: estimated %d B, the package holds %d B%n", what, estimate, real);
        assertTrue(Math.abs(estimate - real) <= real * 0.15, what + ": estimated " + estimate + " B, real " + real + " B");
    }

    private static MemoryPlan.Graph denoiser(Path pkg) {
        return MemoryPlan.of(ModelPackage.open(pkg), 48, 32, 9, 2).graphs().stream()
                .filter(g -> g.role().equals("denoiser")).findFirst().orElseThrow();
    }

    /**
     * Each quantized kernel's pre-packed copy, from the header alone, for a 2-layer stack (32 -> 256 -> 256): the
     * expected sizes are worked by hand from MLAS's packing rules (PrepackedWeights says which), inline and with
     * the weights in an external-data file (where the copy replaces the memory-mapped original); and the text
     * keys an int8 graph whose blocks read one quantized text holds ahead (TextKeysAhead).
     */
    @Test
    void quantizedKernelsPrePackedCopiesAreReadFromTheHeader() throws IOException {
        // int8: [32, 256] and [256, 256] int8 weights; N=256 is a multiple of 16 and K of 4, plus an int32 per column
        assertEquals(new PrepackedWeights(256 * 32 + 1024 + 256 * 256 + 1024, 0), prepacked(QuantizedStack.Kind.INT8, false));
        assertEquals(new PrepackedWeights(2 * 1024, 0), prepacked(QuantizedStack.Kind.INT8, true));
        // w4, fp32 compute: the 4-bit blocks (256 columns x 1 and x 8 blocks of 16 bytes) re-laid, same size
        assertEquals(new PrepackedWeights(256 * 16 + 256 * 8 * 16, 0), prepacked(QuantizedStack.Kind.W4, false));
        assertEquals(new PrepackedWeights(0, 0), prepacked(QuantizedStack.Kind.W4, true));
        // w4, accuracy_level 4: two floats (scale copy, block sum) per block on top of the blocks
        long sums = 2 * 4 * (256 + 256 * 8);
        assertEquals(new PrepackedWeights(sums, 0), prepacked(QuantizedStack.Kind.W4_INT8_COMPUTE, true));
        assertEquals(new PrepackedWeights(sums + 256 * 16 + 256 * 8 * 16, 0),
                prepacked(QuantizedStack.Kind.W4_INT8_COMPUTE, false));
        // w8, fp32 compute: not packed; the largest matrix dequantized per call
        assertEquals(new PrepackedWeights(0, 4 * 256 * 256), prepacked(QuantizedStack.Kind.W8, true));

        // every block's key of the text held at once, twice (TextKeysAhead): none where each MatMulInteger
        // quantizes its own input, [rows, 64] floats per block where 4 blocks' keys and values read one quantized
        // text, inline or external alike
        long rows = 2 * 16;
        for (boolean external : new boolean[]{false, true}) {
            assertEquals(0, TextKeysAhead.bytes(stats(QuantizedStack.Kind.INT8, external), rows));
            Path file = Files.createDirectories(tmp.resolve("cross-" + external)).resolve("denoiser.onnx");
            QuantizedStack.writeCrossAttention(file, 4, 64, 32, external);
            assertEquals(2 * 4 * rows * 4 * 64, TextKeysAhead.bytes(GraphStats.read(file, "denoiser"), rows),
                    "external " + external);
        }
    }

    private GraphStats stats(QuantizedStack.Kind kind, boolean external) throws IOException {
        Path file = Files.createDirectories(tmp.resolve(kind + "-" + external)).resolve("denoiser.onnx");
        QuantizedStack.write(file, kind, 2, 256, 32, external);
        return GraphStats.read(file, "denoiser");
    }

    private PrepackedWeights prepacked(QuantizedStack.Kind kind, boolean external) throws IOException {
        return PrepackedWeights.of(stats(kind, external));
    }

    @Test
    void quantizedPackagesPlanTheirPrePackedCopiesAndFloatOnesNone() {
        MemoryPlan.Graph fp32 = denoiser(WAN.resolve("tiny-wan21"));
        MemoryPlan.Graph int8 = denoiser(Fixtures.overlaid(WAN.resolve("tiny-wan21-int8"), tmp));
        MemoryPlan.Graph w4 = denoiser(Fixtures.overlaid(WAN.resolve("tiny-wan21-w4"), tmp));
        assertEquals(0, fp32.prepackedBytes(), "fp32 MatMul's packed copy replaces its weight");
        // the fixtures' weights are inline, so each keeps its original beside the packed copy: int8's copy is its
        // int8 matrices plus padding and column sums (32-wide: 1/8 more), w4's its 4-bit blocks without the scales
        long int8Matrices = int8.matrices().bytes();
        assertTrue(int8.prepackedBytes() >= int8Matrices && int8.prepackedBytes() <= int8Matrices * 1.2,
                int8.prepackedBytes() + " B pre-packed for " + int8Matrices + " B of int8 matrices");
        long w4Blocks = w4.matrices().params() / 2;
        assertEquals(w4Blocks, w4.prepackedBytes(), "w4 (fp32 compute) re-lays its 4-bit blocks");
        assertEquals(int8.weightBytes() + int8.prepackedBytes() + int8.activationBytes(), int8.bytes());
        // the int8 denoiser's 2 blocks' 32-wide keys of the 2 x 512 text rows, twice (TextKeysAhead)
        assertEquals(fp32.activationBytes() + 2L * 4 * (2 * 512) * 2 * 32, int8.activationBytes());
        assertEquals(fp32.activationBytes(), w4.activationBytes(), "w4 reads its text unquantized");
        // the mode estimates add the keys for int8 and take them off the int8 graph for the other modes
        assertEquals(int8.activationBytes(), fp32.activationBytesIn("int8"));
        assertEquals(int8.activationBytes(), w4.activationBytesIn("int8"));
        assertEquals(fp32.activationBytes(), int8.activationBytesIn("w4"));
    }

    private static long videoActivations(MemoryPlan plan) {
        return plan.graphs().stream().filter(g -> !g.role().startsWith("text encoder"))
                .mapToLong(MemoryPlan.Graph::activationBytes).sum();
    }

    @Test
    void activationsGrowWithTheVideoAndOneExpertAtATimeSavesTheOther() {
        ModelPackage pkg = ModelPackage.open(WAN.resolve("tiny-wan22"));
        MemoryPlan small = MemoryPlan.of(pkg, 48, 32, 9, 2);
        MemoryPlan wide = MemoryPlan.of(pkg, 96, 64, 9, 2);
        MemoryPlan longer = MemoryPlan.of(pkg, 48, 32, 33, 2);
        // the text encoder's activations do not depend on the video; the denoisers' and the VAE's grow with it
        assertTrue(videoActivations(wide) > 3 * videoActivations(small), "4x the pixels");
        assertTrue(longer.activationBytes() > small.activationBytes(), "more frames, more tokens");
        assertEquals(small.weightBytes(), wide.weightBytes());
        assertTrue(small.hasExperts());
        MemoryPlan.Graph high = small.graphs().get(1);
        MemoryPlan.Graph low = small.graphs().get(2);
        assertTrue(high.expert() && low.expert());
        assertEquals(small.runtimeBytes() - Math.min(high.bytes(), low.bytes()), small.runtimeBytesOneExpert());
    }
}
