package dev.kino.bench.lora;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import dev.kino.bench.Bench;
import dev.kino.sweep.io.BenchJson;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraCommandTest {

    /** The bench on the tiny Wan denoiser (2 blocks, width 32, FFN 64): every figure is there and positive. */
    @Test
    void timesOpeningSteppingAndSwitchingOnATinyWanGraph() throws Exception {
        Bench.Run r = Bench.ok("lora", "--graph", Path.of("..", "engine", "core", "src", "test", "resources", "wan", "tiny-wan21", "denoiser.onnx")
                        .toAbsolutePath().normalize().toString(),
                "--latent", "16,2,4,6", "--text", "8,32", "--blocks", "2", "--dim", "32", "--ffn", "64", "--rank", "4",
                "--steps", "1");
        JsonNode json = BenchJson.MAPPER.readTree(r.out());
        for (String f : new String[] {"open_plain_s", "open_lora_first_s", "switch_to_another_set_s", "switch_strength_s"}) {
            assertTrue(json.get(f).asDouble() >= 0, f + ": " + r.out());
        }
        assertEquals(1, json.get("step_plain_s").size(), r.out());
        assertEquals(1, json.get("step_lora_s").size(), r.out());
        assertTrue(json.get("rss_end_mib").asLong() > 0, r.out());
    }
}
