package dev.kino.ltx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.ReferenceRuns;
import dev.kino.ReferenceTensors;
import dev.kino.lora.Lora;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.kino.ReferenceTensors.maxAbs;
import static dev.kino.ReferenceTensors.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LTX-Video LoRAs (diffusers / PEFT layout) against diffusers' own LTXPipeline after {@code load_lora_weights} +
 * {@code set_adapters} (peft), on the tiny LTX package: two LoRAs stacked at 0.8 and -0.3 (made by
 * models/export/make_ltx_lora_reference.py into src/test/resources/ltx/lora/). Tolerances as
 * WanLoraParityTest: every step's latents within 1e-3 of max |ref|, frames within 1/255; the LoRAs must move
 * the result far more than that from the plain model's (LtxParityTest's reference of the same case), and
 * strength 0 is the plain model bit for bit.
 */
class LtxLoraParityTest {
    private static final Path LTX = Path.of("src", "test", "resources", "ltx").toAbsolutePath();
    private static final ReferenceTensors REF = new ReferenceTensors(LTX.resolve("lora/reference/reference.json"));
    private static final ReferenceTensors PLAIN = new ReferenceTensors(LTX.resolve("reference/reference.json"));

    /** The case's request with its LoRAs at {@code scale} times their strengths (null: no LoRAs). */
    private static GenerationRequest request(JsonNode c, Double scale) {
        List<Lora> loras = new ArrayList<>();
        for (JsonNode l : scale == null ? List.<JsonNode>of() : c.path("loras")) {
            loras.add(new Lora(LTX.resolve("lora").resolve(l.path("file").asText()), scale * l.path("strength").asDouble(), null));
        }
        return GenerationRequest.builder("A red fox runs through fresh snow at dawn.").seed(c.path("seed").asLong())
                .steps(c.path("steps").asInt()).frames(c.path("frames").asInt()).width(c.path("width").asInt())
                .height(c.path("height").asInt()).fps(c.path("fps").asInt()).guidance(c.path("guidance").asDouble())
                .loras(loras).build();
    }

    @Test
    void stackedLorasMatchLtxPipelineWithTheSameAdapters() {
        JsonNode c = REF.json().path("cases").path("tiny-ltx/stack");
        ReferenceRuns.Run run;
        GenerationResult off;
        GenerationResult plain;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(LTX.resolve("tiny-ltx"), Device.CPU)) {
            run = ReferenceRuns.generate(kino, request(c, 1.0));
            off = kino.generate(request(c, 0.0), e -> true);
            plain = kino.generate(request(c, null), e -> true);
        }
        int steps = c.path("steps").asInt();
        assertEquals(steps, run.latents().size());
        float worst = 0;
        for (int i = 0; i < steps; i++) {
            float[] want = REF.floats("tiny-ltx/stack/latents_" + i);
            float diff = maxDiff(run.latents().get(i), want);
            assertTrue(diff <= 1e-3f * maxAbs(want), "latents after step " + i + " differ by " + diff);
            worst = Math.max(worst, diff / maxAbs(want));
        }
        float[] last = REF.floats("tiny-ltx/stack/latents_" + (steps - 1));
        float fromPlain = maxDiff(PLAIN.floats("tiny-ltx/fox/latents_" + (steps - 1)), last);
        int levels = ReferenceRuns.worstLevels(run.result().frames(), REF.uint8("tiny-ltx/stack/frames_u8"));
        System.out.printf("LTX LoRA parity: latents (every step) rel. diff <= %.2e, frames max diff %d/255; the LoRAs"
                + " move the final latents by %.2e of max |ref|%n", worst, levels, fromPlain / maxAbs(last));
        assertTrue(levels <= 1, "frames differ by " + levels + " levels");
        assertTrue(fromPlain > 100 * worst * maxAbs(last), "the LoRAs barely change the result: " + fromPlain);
        assertArrayEquals(plain.latents().data(), off.latents().data(), "strength 0 is not the plain model");
    }
}
