package dev.kino.bench.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.bench.Bench;
import dev.kino.sweep.io.BenchJson;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParityCommandTest {

    @Test
    void stepsTheDemoDenoiserAndSplitsEachStepAtTheRunCall() throws Exception {
        Bench.Run r = Bench.ok("parity", "--graph", Bench.demoModel().resolve("denoiser.onnx").toString(),
                "--latent", "8,8,8,8", "--text", "16,64", "--steps", "3", "--warmup", "1");
        JsonNode json = BenchJson.MAPPER.readTree(r.out());
        assertTrue(json.get("runtime").asText().startsWith("kino, onnxruntime java "), r.out());
        assertEquals(3, json.get("step_seconds").size(), r.out());
        assertEquals(3, json.get("run_seconds").size(), r.out());
        for (int i = 0; i < 3; i++) {
            double step = json.get("step_seconds").get(i).asDouble();
            double run = json.get("run_seconds").get(i).asDouble();
            assertTrue(run > 0 && run <= step, "run " + run + " within step " + step);
        }
    }

    @Test
    void aGraphWithoutDenoiserInputsIsOneSentence() {
        Bench.Run r = Bench.run("parity", "--graph", Bench.demoModel().resolve("vae_decoder.onnx").toString(),
                "--latent", "8,8,8,8", "--text", "16,64");
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("has no 5-D input") || r.err().contains("has no 1-D input"), r.err());
        assertTrue(!r.err().contains("Exception"), r.err());
    }
}
