package dev.kino.bench.sweep;

import dev.kino.bench.Bench;
import dev.kino.sweep.CsvFields;
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
 * LoRA strength as a sweep axis, on the demo model with its shipped 4-step LoRA: each strength is its own cell
 * (reported in the CSV and the printed summary), strength 0 is the plain model, and the distillation LoRA at
 * full strength brings 4 steps closer to the many-step reference than the plain model's 4 steps.
 */
class DemoLoraSweepTest {
    static final Path LORA = Path.of("..", "models", "demo", "loras", "demo-4step.safetensors").toAbsolutePath().normalize();

    @Test
    void theStrengthAxisChangesTheRendersAndIsReported(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("lora");
        Bench.Run run = Bench.ok("sweep", "--model", Bench.demoModel().toString(), "--prompt", "a red circle moving right",
                "--steps", "4", "--lora", LORA.toString(), "--lora-strength", "0,1", "--reference-steps", "40",
                "--device", "cpu", "--out", out.toString());
        assertTrue(run.out().contains("LoRA"), "the printed summary has a LoRA column:\n" + run.out());
        List<String> header = ResultsCsv.header();
        Map<String, Double> psnr = new HashMap<>();
        List<String> lines = Files.readAllLines(out.resolve("results.csv"));
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = CsvFields.parse(line);
            if (f.get(header.indexOf("run")).equals("cell")) {
                psnr.put(f.get(header.indexOf("lora_strength")), Double.parseDouble(f.get(header.indexOf("psnr_db"))));
            }
        }
        assertEquals(2, psnr.size(), psnr.toString());
        System.out.println("demo 4 steps against 40, PSNR dB by LoRA strength: " + psnr);
        assertTrue(psnr.get("0.0") + 3 < psnr.get("1.0"), "the 4-step LoRA should land closer to the reference: " + psnr);
    }
}
