package dev.kino.bench.sweep;

import dev.kino.bench.Bench;
import dev.kino.sweep.CsvFields;
import dev.kino.sweep.report.Charts;
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

/** A small sweep on the trained demo model (coloured shapes), the first real input of the step sweep. */
class DemoModelSweepTest {

    @Test
    void aSmallSweepWritesEverythingAndFewerStepsLandFurtherFromTheReference(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("demo");
        Bench.ok("sweep", "--model", Bench.demoModel().toString(), "--prompt", "a red circle moving right",
                "--steps", "2,8", "--reference-steps", "24", "--device", "cpu", "--out", out.toString(), "--quiet");
        for (String f : List.of("results.csv", "results.json", "report.html", Charts.PSNR, Charts.PARETO)) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> header = ResultsCsv.header();
        Map<String, Double> psnr = new HashMap<>();
        List<String> lines = Files.readAllLines(out.resolve("results.csv"));
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = CsvFields.parse(line);
            if (f.get(header.indexOf("run")).equals("cell")) {
                psnr.put(f.get(header.indexOf("steps")), Double.parseDouble(f.get(header.indexOf("psnr_db"))));
            }
        }
        assertEquals(2, psnr.size());
        assertTrue(psnr.get("2") < psnr.get("8"), psnr.toString());
    }
}
