package dev.kino.bench.sweep;

import dev.kino.bench.Bench;
import dev.kino.sweep.CsvFields;
import dev.kino.sweep.report.ResultsCsv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoRA strength as a sweep axis, on the demo model with its shipped 4-step LoRA: each strength is its own cell
 * (reported in the CSV and the printed summary), and the distillation LoRA at full strength brings 4 steps
 * closer to the many-step reference than strength 0 (the plain model) on the three prompts of
 * bench/prompts/shapes.txt (training triples; on held-out triples it does not always: docs/lora.md).
 */
class DemoLoraSweepTest {
    static final Path LORA = Path.of("..", "models", "demo", "loras", "demo-4step.safetensors").toAbsolutePath().normalize();

    @Test
    void theStrengthAxisChangesTheRendersAndIsReported(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("lora");
        Path prompts = Path.of("prompts", "shapes.txt").toAbsolutePath();
        Bench.Run run = Bench.ok("sweep", "--model", Bench.demoModel().toString(), "--prompts", prompts.toString(),
                "--seeds", "1", "--steps", "4", "--lora", LORA.toString(), "--lora-strength", "0,1",
                "--reference-steps", "40", "--device", "cpu", "--out", out.toString());
        assertTrue(run.out().contains("LoRA"), "the printed summary has a LoRA column:\n" + run.out());
        List<String> header = ResultsCsv.header();
        Map<Double, List<Double>> psnr = new HashMap<>();
        List<String> lines = Files.readAllLines(out.resolve("results.csv"));
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = CsvFields.parse(line);
            if (f.get(header.indexOf("run")).equals("cell")) {
                psnr.computeIfAbsent(Double.parseDouble(f.get(header.indexOf("lora_strength"))), k -> new ArrayList<>())
                        .add(Double.parseDouble(f.get(header.indexOf("psnr_db"))));
            }
        }
        assertEquals(Set.of(0.0, 1.0), psnr.keySet());
        assertEquals(3, psnr.get(1.0).size(), "one cell per prompt and strength");
        assertNotEquals(psnr.get(0.0), psnr.get(1.0), "the strength changes the renders");
        double plain = psnr.get(0.0).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double lora = psnr.get(1.0).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        System.out.printf("demo, 3 prompts, seed 1, 4 steps against 40: plain %.2f dB, with the LoRA %.2f dB%n", plain, lora);
        assertTrue(plain + 3 < lora, "the 4-step LoRA should land closer to the reference: " + psnr);
    }
}
