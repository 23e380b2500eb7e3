package dev.kino.sweep.report;

import dev.kino.sweep.CellResult;
import dev.kino.sweep.TestResults;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepSummaryTest {
    private static final List<CellResult> CELLS = List.of(
            TestResults.cell("a", 0, "euler", 4, 20, 100, "r"),
            TestResults.cell("a", 1, "euler", 4, 22, 120, "r"),
            TestResults.cell("a", 0, "euler", 8, 30, 200, "r"),
            TestResults.cell("a", 1, "euler", 8, 28, 200, "r"),
            TestResults.cell("a", 0, "ddim", 4, 18, 90, "r"),
            TestResults.cell("a", 1, "ddim", 4, 18, 90, "r"),
            TestResults.cell("a", 0, "ddim", 8, 25, 150, "r"),
            TestResults.cell("a", 1, "ddim", 8, 25, 150, "r"));

    @Test
    void pointsAverageOverPromptsAndSeedsInGridOrder() {
        List<SweepSummary.Point> p = SweepSummary.of(CELLS);
        assertEquals(4, p.size());
        assertEquals("euler", p.get(0).scheduler());
        assertEquals(4, p.get(0).steps());
        assertEquals(21, p.get(0).psnrDb(), 1e-12);
        assertEquals(110, p.get(0).generationMs(), 1e-12);
        assertEquals(2, p.get(0).runs());
        assertEquals("ddim", p.get(3).scheduler());
        assertEquals(8, p.get(3).steps());
    }

    @Test
    void theParetoFrontKeepsOnlySettingsNothingElseBeats() {
        List<SweepSummary.Point> front = SweepSummary.paretoFront(SweepSummary.of(CELLS));
        // ddim 4 (90 ms, 18 dB), euler 4 (110 ms, 21 dB), ddim 8 (150 ms, 25 dB), euler 8 (200 ms, 29 dB)
        assertEquals(List.of("ddim4", "euler4", "ddim8", "euler8"),
                front.stream().map(p -> p.scheduler() + p.steps()).toList());
        List<CellResult> dominated = List.of(TestResults.cell("a", 0, "slow", 4, 10, 500, "r"),
                TestResults.cell("a", 0, "fast", 4, 12, 50, "r"));
        assertEquals(List.of("fast"), SweepSummary.paretoFront(SweepSummary.of(dominated)).stream()
                .map(SweepSummary.Point::scheduler).toList());
    }

    @Test
    void theBestWithinABudgetIsTheClosestSettingThatFits() {
        List<SweepSummary.Point> p = SweepSummary.of(CELLS);
        assertEquals("ddim8", SweepSummary.bestWithin(p, 160).map(x -> x.scheduler() + x.steps()).orElseThrow());
        assertEquals("euler8", SweepSummary.bestWithin(p, 1e9).map(x -> x.scheduler() + x.steps()).orElseThrow());
        assertTrue(SweepSummary.bestWithin(p, 10).isEmpty());
    }

    @Test
    void identicalCellsCountAtTheirCeilingUnlessAllAreIdentical() {
        List<CellResult> mixed = List.of(TestResults.cell("a", 0, "ddim", 50, Double.POSITIVE_INFINITY, 100, "r"),
                TestResults.cell("a", 1, "ddim", 50, 40, 100, "r"));
        SweepSummary.Point p = SweepSummary.of(mixed).get(0);
        assertFalse(p.identicalToReference());
        assertEquals((80 + 40) / 2.0, p.psnrDb(), 1e-12);
        SweepSummary.Point all = SweepSummary.of(List.of(mixed.get(0))).get(0);
        assertTrue(all.identicalToReference());
    }

    @Test
    void stepTimeSplitsIntoOnnxAndKino() {
        SweepSummary.Point p = SweepSummary.of(List.of(TestResults.cell("a", 0, "euler", 4, 20, 100, "r"))).get(0);
        assertEquals(80.0 / 4, p.stepMs(), 1e-9);
        assertEquals(72.0 / 4, p.onnxStepMs(), 1e-9);
        assertEquals(8.0 / 4, p.kinoStepMs(), 1e-9);
    }
}
