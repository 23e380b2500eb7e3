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

    @Test
    void activationsGrowWithTheVideoAndOneExpertAtATimeSavesTheOther() {
        ModelPackage pkg = ModelPackage.open(WAN.resolve("tiny-wan22"));
        MemoryPlan small = MemoryPlan.of(pkg, 48, 32, 9, 2);
        MemoryPlan wide = MemoryPlan.of(pkg, 96, 64, 9, 2);
        MemoryPlan longer = MemoryPlan.of(pkg, 48, 32, 33, 2);
        assertTrue(wide.activationBytes() > 3 * small.activationBytes(), "4x the pixels");
        assertTrue(longer.activationBytes() > small.activationBytes(), "more frames, more tokens");
        assertEquals(small.weightBytes(), wide.weightBytes());
        assertTrue(small.hasExperts());
        MemoryPlan.Graph high = small.graphs().get(1);
        MemoryPlan.Graph low = small.graphs().get(2);
        assertTrue(high.expert() && low.expert());
        assertEquals(small.runtimeBytes() - Math.min(high.bytes(), low.bytes()), small.runtimeBytesOneExpert());
    }
}
