package dev.kino.examples;

import dev.kino.sweep.report.SweepSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sweep example on the engine's fixture models. */
class BestSchedulerUnderBudgetTest {
    private static final Path UNET = Path.of("..", "engine", "core", "src", "test", "resources", "fixtures", "unet3d-ddim");
    private static final Path FLOW = Path.of("..", "engine", "core", "src", "test", "resources", "fixtures", "dit-flow");

    @Test
    void picksSchedulersOfTheModelsKind() {
        List<String> unet = BestSchedulerUnderBudget.schedulersFor(UNET);
        assertTrue(unet.contains("ddim") && unet.contains("dpmpp-2m"), unet.toString());
        assertFalse(unet.contains("euler-a") || unet.contains("flow-euler"), unet.toString());
        List<String> flow = BestSchedulerUnderBudget.schedulersFor(FLOW);
        assertTrue(flow.contains("flow-euler"), flow.toString());
        assertFalse(flow.contains("ddim"), flow.toString());
    }

    @Test
    void theBestUnderABudgetIsTheClosestSettingThatFits(@TempDir Path tmp) {
        List<SweepSummary.Point> points = BestSchedulerUnderBudget.sweep(UNET, List.of("ddim", "euler"), List.of(2, 8),
                tmp.resolve("sweep"));
        assertEquals(4, points.size());
        assertEquals(Set.of("ddim/2", "ddim/8", "euler/2", "euler/8"),
                points.stream().map(p -> p.scheduler() + "/" + p.steps()).collect(Collectors.toSet()));
        assertTrue(Files.isRegularFile(tmp.resolve("sweep/report.html")));

        SweepSummary.Point unlimited = SweepSummary.bestWithin(points, Double.MAX_VALUE).orElseThrow();
        double bestPsnr = points.stream().mapToDouble(SweepSummary.Point::psnrDb).max().orElseThrow();
        assertEquals(bestPsnr, unlimited.psnrDb());
        assertTrue(SweepSummary.bestWithin(points, 1e-6).isEmpty(), "no generation takes a nanosecond");
    }
}
