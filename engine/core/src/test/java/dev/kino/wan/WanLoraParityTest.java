package dev.kino.wan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.ReferenceRuns;
import dev.kino.ReferenceTensors;
import dev.kino.denoise.StepEvent;
import dev.kino.lora.Lora;
import dev.kino.lora.LoraFile;
import dev.kino.lora.LoraMerge;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static dev.kino.ReferenceTensors.maxAbs;
import static dev.kino.ReferenceTensors.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kino with LoRAs against diffusers' own WanPipeline after load_lora_weights + set_adapters (peft), on the tiny
 * Wan packages, with tiny LoRAs in the diffusers/PEFT, ComfyUI (lora_down/up + alpha + diff_b) and Wan
 * lora_A/lora_B layouts, stacked at 0.8 and -0.3 and per expert (made by
 * models/export/make_wan_lora_reference.py into src/test/resources/wan/lora/).
 */
class WanLoraParityTest {
    private static final Path WAN = Path.of("src", "test", "resources", "wan").toAbsolutePath();
    private static final Path LORA = WAN.resolve("lora");
    private static final ReferenceTensors REF = new ReferenceTensors(LORA.resolve("reference/reference.json"));

    @TestFactory
    List<DynamicTest> everyStepAndFrameMatchesWanPipelineWithTheLoras() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = REF.json().path("cases").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            tests.add(DynamicTest.dynamicTest(c.getKey(), () -> check(c.getKey(), c.getValue())));
        }
        return tests;
    }

    private static List<Lora> loras(JsonNode c) {
        List<Lora> loras = new ArrayList<>();
        for (JsonNode l : c.path("loras")) {
            loras.add(new Lora(LORA.resolve(l.path("file").asText()), l.path("strength").asDouble(),
                    l.path("expert").isNull() ? null : l.path("expert").asInt()));
        }
        return loras;
    }

    private static GenerationRequest request(JsonNode c, List<Lora> loras) {
        JsonNode r = REF.json();
        JsonNode guidance = c.path("guidance");
        return GenerationRequest.builder(r.path("prompt").asText()).negativePrompt(r.path("negative_prompt").asText())
                .seed(r.path("seed").asLong()).steps(r.path("steps").asInt()).frames(r.path("frames").asInt())
                .width(r.path("width").asInt()).height(r.path("height").asInt())
                .guidance(guidance.size() > 1 ? null : guidance.get(0).asDouble()).loras(loras).build();
    }

    private void check(String name, JsonNode c) {
        List<float[]> perStep = new ArrayList<>();
        GenerationResult r;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(WAN.resolve(c.path("package").asText()), Device.CPU)) {
            r = kino.generate(request(c, loras(c)), (StepEvent e) -> {
                perStep.add(e.latents().copy());
                return true;
            });
        }
        float worstRel = 0;
        for (int i = 0; i < perStep.size(); i++) {
            float[] want = REF.floats(name + "/latents_" + i);
            float diff = maxDiff(perStep.get(i), want);
            worstRel = Math.max(worstRel, diff / maxAbs(want));
            assertTrue(diff <= 1e-3f * maxAbs(want), name + " latents after step " + i + " differ by " + diff
                    + " (max |ref| " + maxAbs(want) + ")");
        }
        assertEquals(REF.json().path("steps").asInt(), perStep.size(), "steps");
        byte[] frames = REF.uint8(name + "/frames_u8");
        assertEquals(REF.shape(name + "/frames_u8")[1], r.frames().count(), "frame count");
        int worst = ReferenceRuns.worstLevels(r.frames(), frames);
        assertTrue(worst <= 1, name + " frames differ by " + worst + " levels");
        System.out.printf("Wan LoRA parity %-16s latents rel. diff <= %.2e over every step, frames max diff %d/255%n",
                name, worstRel, worst);
    }

    /**
     * The fp16 export of tiny-wan21 (its denoiser and text encoder laid over a copy of the fp32 package) with the
     * stacked LoRAs, against the same fp32 reference: within the fp16 export's own tolerance (3e-2 of max |ref|),
     * and much closer to the LoRA reference than to the plain model's, so the LoRAs were merged into fp16 weights.
     */
    @Test
    void anFp16PackageTakesTheLorasToo(@TempDir Path tmp) throws IOException {
        Path pkg = tmp.resolve("tiny-wan21-fp16");
        Files.createDirectories(pkg);
        for (Path dir : List.of(WAN.resolve("tiny-wan21"), LORA.resolve("tiny-wan21-fp16"))) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.copy(f, pkg.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        JsonNode c = REF.json().path("cases").path("wan21-stack");
        GenerationResult r;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(pkg, Device.CPU)) {
            r = kino.generate(request(c, loras(c)), e -> true);
        }
        List<Lora> stack = loras(c);
        var merged = new LoraMerge(pkg.resolve("denoiser.onnx")).merge(stack,
                stack.stream().map(l -> LoraFile.read(l.file())).toList(), 0);
        assertTrue(!merged.isEmpty() && merged.values().stream().allMatch(LoraMerge.Merged::float16),
                "the merged weights are the graph's float16");
        float[] want = REF.floats("wan21-stack/latents_3");
        float[] plain = REF.floats("wan21-none/latents_3");
        float diff = maxDiff(r.latents().data(), want);
        float fromPlain = maxDiff(r.latents().data(), plain);
        System.out.printf("Wan LoRA parity fp16 package: final latents rel. diff %.2e (plain model's: %.2e)%n",
                diff / maxAbs(want), fromPlain / maxAbs(want));
        assertTrue(diff <= 3e-2f * maxAbs(want), "fp16 latents differ by " + diff);
        assertTrue(diff * 5 < fromPlain, "the LoRAs did not reach the fp16 weights: " + diff + " vs " + fromPlain);
    }

    /** One loaded pipeline switching LoRA sets between generations, as a server does between jobs. */
    @Test
    void switchingLoraSetsOnOnePipelineGivesEachSetItsOwnResult() {
        JsonNode stack = REF.json().path("cases").path("wan21-stack");
        JsonNode ab = REF.json().path("cases").path("wan21-comfy-ab");
        GenerationResult first;
        GenerationResult other;
        GenerationResult plain;
        GenerationResult again;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(WAN.resolve("tiny-wan21"), Device.CPU)) {
            first = kino.generate(request(stack, loras(stack)), e -> true);
            other = kino.generate(request(ab, loras(ab)), e -> true);
            plain = kino.generate(request(stack, List.of()), e -> true);
            again = kino.generate(request(stack, loras(stack)), e -> true);
        }
        assertArrayEquals(first.latents().data(), again.latents().data(), "the same set after a switch");
        float[] want = REF.floats("wan21-comfy-ab/latents_3");
        assertTrue(maxDiff(other.latents().data(), want) <= 1e-3f * maxAbs(want), "the second set after the first");
        float[] none = REF.floats("wan21-none/latents_3");
        assertTrue(maxDiff(plain.latents().data(), none) <= 1e-3f * maxAbs(none), "no LoRA after a LoRA set");
    }

    @Test
    void strengthZeroIsTheModelWithoutLorasBitForBit() {
        JsonNode c = REF.json().path("cases").path("wan21-stack");
        List<Lora> off = loras(c).stream().map(l -> new Lora(l.file(), 0.0, l.expert())).toList();
        GenerationResult plain;
        GenerationResult zero;
        GenerationResult on;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(WAN.resolve("tiny-wan21"), Device.CPU)) {
            plain = kino.generate(request(c, List.of()), e -> true);
            zero = kino.generate(request(c, off), e -> true);
            on = kino.generate(request(c, loras(c)), e -> true);
        }
        assertArrayEquals(plain.latents().data(), zero.latents().data(), "strength 0 changes the latents");
        for (int f = 0; f < plain.frames().count(); f++) {
            assertArrayEquals(plain.frames().frame(f), zero.frames().frame(f), "strength 0 changes frame " + f);
        }
        assertFalse(java.util.Arrays.equals(plain.latents().data(), on.latents().data()), "the LoRAs change nothing");
    }
}
