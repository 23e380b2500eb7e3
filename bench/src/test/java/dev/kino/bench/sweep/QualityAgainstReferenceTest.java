package dev.kino.bench.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.bench.Bench;
import dev.kino.sweep.CsvFields;
import dev.kino.sweep.io.BenchJson;
import dev.kino.sweep.report.ResultsCsv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quality figures on both fixture models: a cell with the reference's own settings is identical to it,
 * fewer steps land further away, and the figures repeat exactly from run to run on the CPU.
 *
 * <p>The fixtures have random weights, so "further away" is measured, not assumed: on the UNet fixture PSNR
 * rises steadily with steps, while on the flow fixture it is not monotonic between close step counts (6 and
 * 8 steps score about the same), so the assertions compare well-separated counts.
 */
class QualityAgainstReferenceTest {

    private static Map<String, String[]> sweep(Path out, String model, String steps) throws IOException {
        return sweep(out, model, steps, 1);
    }

    private static Map<String, String[]> sweep(Path out, String model, String steps, int repeats) throws IOException {
        Bench.ok("sweep", "--model", Bench.fixture(model).toString(), "--prompt", "a red circle moving right",
                "--steps", steps, "--reference-steps", "12", "--seeds", "0", "--device", "cpu", "--threads", "1",
                "--repeats", Integer.toString(repeats), "--out", out.toString(), "--quiet");
        List<String> header = ResultsCsv.header();
        Map<String, String[]> bySteps = new HashMap<>();
        List<String> lines = Files.readAllLines(out.resolve("results.csv"));
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = CsvFields.parse(line);
            if (f.get(header.indexOf("run")).equals("cell")) {
                bySteps.put(f.get(header.indexOf("steps")), new String[] {f.get(header.indexOf("psnr_db")),
                        f.get(header.indexOf("ssim")), f.get(header.indexOf("latent_rel_l2")),
                        f.get(header.indexOf("temporal_ratio")), f.get(header.indexOf("timing_repeats"))});
            }
        }
        return bySteps;
    }

    private static double psnr(Map<String, String[]> cells, String steps) {
        return Double.parseDouble(cells.get(steps)[0]);
    }

    private static double latent(Map<String, String[]> cells, String steps) {
        return Double.parseDouble(cells.get(steps)[2]);
    }

    @Test
    void onTheUnetFixturePsnrIsInfiniteAtTheReferenceAndDropsWithFewerSteps(@TempDir Path tmp) throws IOException {
        Map<String, String[]> cells = sweep(tmp.resolve("unet"), Bench.UNET, "2,4,12");
        assertEquals("inf", cells.get("12")[0]);
        assertEquals(1.0, Double.parseDouble(cells.get("12")[1]));
        assertEquals(0.0, latent(cells, "12"));
        assertTrue(psnr(cells, "2") < psnr(cells, "4"), cells.get("2")[0] + " vs " + cells.get("4")[0]);
        assertTrue(latent(cells, "2") > latent(cells, "4"));
        assertTrue(Double.parseDouble(cells.get("2")[1]) < Double.parseDouble(cells.get("4")[1]));

        JsonNode identical = null;
        for (JsonNode run : BenchJson.MAPPER.readTree(tmp.resolve("unet/results.json").toFile()).get("runs")) {
            if (run.get("steps").asInt() == 12) {
                identical = run.get("quality");
            }
        }
        assertTrue(identical.get("psnr_db").isNull(), "JSON has no infinity: null plus the flag");
        assertTrue(identical.get("identical_to_reference").asBoolean());
    }

    @Test
    void onTheFlowFixtureWellSeparatedStepCountsRankTheSameWay(@TempDir Path tmp) throws IOException {
        Map<String, String[]> cells = sweep(tmp.resolve("flow"), Bench.DIT_FLOW, "1,6,12");
        assertEquals("inf", cells.get("12")[0]);
        assertTrue(psnr(cells, "1") < psnr(cells, "6"), cells.get("1")[0] + " vs " + cells.get("6")[0]);
        assertTrue(latent(cells, "1") > latent(cells, "6"));
    }

    @Test
    void twoRunsOfTheSameSweepGiveTheSameQualityFigures(@TempDir Path tmp) throws IOException {
        Map<String, String[]> a = sweep(tmp.resolve("a"), Bench.UNET, "2,4");
        Map<String, String[]> b = sweep(tmp.resolve("b"), Bench.UNET, "2,4");
        assertEquals(2, a.size());
        for (String steps : a.keySet()) {
            assertEquals(List.of(a.get(steps)), List.of(b.get(steps)), steps + " steps");
        }
    }

    @Test
    void timingARunSeveralTimesKeepsItsQualityFigures(@TempDir Path tmp) throws IOException {
        Map<String, String[]> once = sweep(tmp.resolve("once"), Bench.UNET, "3");
        Map<String, String[]> thrice = sweep(tmp.resolve("thrice"), Bench.UNET, "3", 3);
        assertEquals("1", once.get("3")[4]);
        assertEquals("3", thrice.get("3")[4]);
        assertEquals(List.of(once.get("3")).subList(0, 4), List.of(thrice.get("3")).subList(0, 4));
    }
}
