package dev.kino.server.work;

import dev.kino.Fixtures;
import dev.kino.denoise.StepListener;
import dev.kino.lora.Lora;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A worker switching LoRA sets between jobs keeps its loaded model: the model is read from disk once, however
 * the sets change, and each job still gets exactly its own set (switching back gives the first result again).
 */
class ModelCacheLoraTest {
    private static final Path WAN = Fixtures.testResources().resolve("wan");

    @TempDir
    Path tmp;

    @Test
    void switchingLoraSetsBetweenJobsLoadsTheModelOnce() throws Exception {
        Path models = Files.createDirectories(tmp.resolve("models"));
        Files.createSymbolicLink(models.resolve("wan"), WAN.resolve("tiny-wan21").toAbsolutePath());
        Lora peft = new Lora(WAN.resolve("lora/peft.safetensors"), 0.8, null);
        Lora comfy = new Lora(WAN.resolve("lora/comfy.safetensors"), -0.3, null);
        List<List<Lora>> jobs = List.of(List.of(peft), List.of(peft, comfy), List.of(), List.of(peft));
        List<float[]> latents = new ArrayList<>();
        try (ModelCatalog catalog = new ModelCatalog(models);
             ModelCache cache = new ModelCache(catalog, Device.CPU, 1, dev.kino.pipeline.ExpertResidency.BOTH)) {
            for (List<Lora> loras : jobs) {
                TextToVideoPipeline kino = cache.get("wan");
                GenerationRequest r = GenerationRequest.builder("a red fox").steps(2).frames(5).seed(4L)
                        .loras(loras).build();
                latents.add(kino.generate(r, StepListener.NONE).latents().data());
            }
            assertEquals(1, cache.loads(), "the model was read from disk once for four LoRA sets");
        }
        assertFalse(java.util.Arrays.equals(latents.get(0), latents.get(1)), "the second set differs");
        assertFalse(java.util.Arrays.equals(latents.get(0), latents.get(2)), "no LoRA differs");
        assertArrayEquals(latents.get(0), latents.get(3), "switching back gives the first set's result");
    }
}
