package dev.kino.sweep.report;

import dev.kino.sweep.CellResult;
import dev.kino.sweep.CsvFields;
import dev.kino.sweep.TestResults;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsCsvTest {

    @Test
    void oneRowPerRunWithInfinityWrittenAsInfAndAbsentValuesEmpty(@TempDir Path tmp) throws Exception {
        List<CellResult> rows = List.of(TestResults.reference("a, \"quoted\" prompt", 0),
                TestResults.cell("a, \"quoted\" prompt", 0, "ddim", 50, Double.POSITIVE_INFINITY, 100, "r"),
                TestResults.cell("a, \"quoted\" prompt", 0, "euler", 4, 21.5, 50, "r"));
        Path csv = tmp.resolve("results.csv");
        ResultsCsv.write(csv, rows);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(4, lines.size());
        List<String> header = ResultsCsv.header();
        int psnr = header.indexOf("psnr_db");
        int gpu = header.indexOf("gpu_memory_bytes");
        assertEquals("inf", field(lines.get(2), psnr));
        assertEquals("21.5", field(lines.get(3), psnr));
        assertEquals("inf inf inf inf", field(lines.get(2), header.indexOf("psnr_frames_db")));
        assertEquals("", field(lines.get(1), psnr));
        assertEquals("", field(lines.get(3), gpu));
        assertEquals("reference", field(lines.get(1), 0));
        assertEquals("a, \"quoted\" prompt", field(lines.get(3), header.indexOf("prompt")));
        assertTrue(lines.get(3).contains("\"a, \"\"quoted\"\" prompt\""));
    }

    private static String field(String line, int index) {
        return CsvFields.parse(line).get(index);
    }
}
