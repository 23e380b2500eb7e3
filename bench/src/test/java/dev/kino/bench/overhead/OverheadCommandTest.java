package dev.kino.bench.overhead;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.bench.Bench;
import dev.kino.sweep.io.BenchJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OverheadCommandTest {

    @Test
    void reportsEveryStageAndTheShareOutsideOnnxRuntime(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("overhead.json");
        Bench.Run r = Bench.ok("overhead", "--model", Bench.fixture(Bench.DIT_FLOW).toString(), "--device", "cpu",
                "--steps", "3", "--runs", "3", "--warmup", "1", "--json", json.toString());
        for (String stage : List.of("tokenize", "text encode", "denoise", "VAE decode", "generation", "encode MP4")) {
            assertTrue(r.out().contains("  " + stage + " "), stage + " missing from\n" + r.out());
        }
        assertTrue(r.out().contains("Kino's own code took "), r.out());

        JsonNode root = BenchJson.MAPPER.readTree(json.toFile());
        List<String> names = new ArrayList<>();
        double wall = 0;
        double onnx = 0;
        for (JsonNode s : root.get("stages")) {
            names.add(s.get("stage").asText());
            wall += s.get("wall_ms").asDouble();
            onnx += s.get("onnx_ms").asDouble();
            assertTrue(s.get("onnx_ms").asDouble() <= s.get("wall_ms").asDouble(), s.toString());
        }
        assertEquals(List.of("tokenize", "text encode", "denoise", "VAE decode"), names);
        JsonNode gen = root.get("generation");
        assertEquals(wall, gen.get("wall_ms").asDouble(), 1e-9);
        assertEquals(onnx, gen.get("onnx_ms").asDouble(), 1e-9);
        double share = gen.get("outside_share").asDouble();
        assertTrue(share > 0 && share < 1, "share " + share);
        // measured around the run calls: each graph stage has its calls (3 guided steps = 3 batch-2 runs of this
        // fixture's denoiser, one text-encoder run for prompt and negative prompt) and time inside them
        JsonNode stages = root.get("stages");
        assertEquals(1.0, stages.get(1).get("onnx_runs").asDouble(), stages.get(1).toString());
        assertEquals(3.0, stages.get(2).get("onnx_runs").asDouble(), stages.get(2).toString());
        assertTrue(stages.get(3).get("onnx_runs").asDouble() >= 1, stages.get(3).toString());
        for (int i = 1; i < 4; i++) {
            assertTrue(stages.get(i).get("onnx_ms").asDouble() > 0, stages.get(i).toString());
        }
        assertEquals(3, root.get("runs").asInt());
        assertEquals(1, root.get("warmup_runs").asInt());
        JsonNode single = root.get("outside_share_single_runs");
        assertTrue(single.get("min").asDouble() <= single.get("median").asDouble()
                && single.get("median").asDouble() <= single.get("max").asDouble(), single.toString());
        assertEquals(3, root.get("settings").get("steps").asInt());
    }
}
