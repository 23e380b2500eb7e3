package dev.kino.hunyuan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.KinoException;
import dev.kino.ReferenceRuns;
import dev.kino.ReferenceTensors;
import dev.kino.denoise.StepEvent;
import dev.kino.model.Manifest;
import dev.kino.model.ModelGraphs;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationPlanner;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.tensor.FloatTensor;
import dev.kino.text.TextEmbeddings;
import dev.kino.text.TextStage;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static dev.kino.ReferenceTensors.maxAbs;
import static dev.kino.ReferenceTensors.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kino against diffusers' own HunyuanVideo15Pipeline, run unchanged on a tiny real-architecture HunyuanVideo 1.5
 * folder (models/export/make_tiny_hunyuan.py, make_hunyuan_reference.py): both text encoders' embeddings and
 * masks (Qwen2.5-VL through the chat template, hidden state -3, 108 head tokens cropped; ByT5 on the quoted text
 * only, zeros without quotes), the latents after every step (linspace sigmas with the shift, guidance, the
 * denoiser fed both encoders' outputs) and the 8-bit frames, for a prompt without and one with quoted text.
 */
class HunyuanParityTest {
    private static final Path DIR = Path.of("src", "test", "resources", "hunyuan").toAbsolutePath();
    private static final Path PACKAGE = DIR.resolve("tiny-hunyuan");
    private static final ReferenceTensors REF = new ReferenceTensors(DIR.resolve("reference/reference.json"));

    private static List<DynamicTest> perCase(java.util.function.BiConsumer<String, JsonNode> check) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = REF.json().path("cases").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            tests.add(DynamicTest.dynamicTest(c.getKey(), () -> check.accept(c.getKey(), c.getValue())));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> bothTextEncodersMatchThePipelinesPromptEmbeddings() {
        return perCase(this::checkText);
    }

    private void checkText(String name, JsonNode c) {
        ModelPackage pkg = ModelPackage.open(PACKAGE);
        Manifest m = pkg.manifest();
        try (ModelGraphs graphs = ModelGraphs.open(pkg, OnnxRuntime.create(Device.CPU));
             TextStage text = TextStage.load(m.textEncoders(), graphs.textEncoders(), pkg::resolve)) {
            TextEmbeddings e = text.encode(text.tokenize(c.path("prompt").asText(), c.path("negative_prompt").asText(), true));
            assertEquals(1, e.routed().size(), "the ByT5 embeddings are routed to the denoiser's second text input");
            TextEmbeddings glyphs = e.routed().get(0).embeddings();
            assertEquals("encoder_hidden_states_2", e.routed().get(0).input());
            compare(name + "/cond/prompt_embeds", e.cond(), e.condMask());
            compare(name + "/uncond/prompt_embeds", e.uncond(), e.uncondMask());
            compare(name + "/cond/prompt_embeds_2", glyphs.cond(), glyphs.condMask());
            compare(name + "/uncond/prompt_embeds_2", glyphs.uncond(), glyphs.uncondMask());
            long quoted = java.util.Arrays.stream(glyphs.condMask()).sum();
            assertEquals(c.path("quoted_text_tokens").asLong(), quoted, "ByT5 tokens of the quoted text");
        }
    }

    private static void compare(String name, FloatTensor got, long[] mask) {
        String maskName = name.endsWith("_2") ? name.replace("prompt_embeds_2", "prompt_embeds_mask_2")
                : name.replace("prompt_embeds", "prompt_embeds_mask");
        assertArrayEquals(REF.longs(maskName), mask, maskName);
        float[] want = REF.floats(name);
        assertArrayEquals(REF.shape(name), got.shape(), name + " shape");
        float diff = maxDiff(got.data(), want);
        float scale = Math.max(maxAbs(want), 1e-6f);
        assertTrue(diff <= 1e-4f * scale, name + " differs by " + diff + " (max |ref| " + maxAbs(want) + ")");
        System.out.printf("Hunyuan parity %-28s mask exact, rel. diff %.2e%n", name, diff / scale);
    }

    @TestFactory
    List<DynamicTest> pipelineMatchesHunyuanVideo15PipelineStepByStep() {
        return perCase((name, c) -> checkCase(PACKAGE, name, c));
    }

    /**
     * The same denoiser exported with {@code --attention mha} (ONNX Runtime's fused MultiHeadAttention with a key
     * padding mask; tiny-hunyuan-mha holds only its graph, the weights are tiny-hunyuan's byte for byte).
     */
    @TestFactory
    List<DynamicTest> fusedAttentionExportMatchesToo(@TempDir Path tmp) throws IOException {
        Path mha = dev.kino.Fixtures.overlaid(DIR.resolve("tiny-hunyuan-mha"), tmp);
        String graph = new String(Files.readAllBytes(mha.resolve("denoiser.onnx")),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(graph.contains("MultiHeadAttention"), "the mha graph runs com.microsoft.MultiHeadAttention");
        return perCase((name, c) -> checkCase(mha, name, c));
    }

    private void checkCase(Path pkg, String name, JsonNode c) {
        List<float[]> perStep = new ArrayList<>();
        List<Double> timesteps = new ArrayList<>();
        GenerationResult r;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(pkg, Device.CPU)) {
            GenerationRequest req = GenerationRequest.builder(c.path("prompt").asText())
                    .negativePrompt(c.path("negative_prompt").asText()).seed(c.path("seed").asLong())
                    .steps(c.path("steps").asInt()).frames(c.path("frames").asInt())
                    .width(c.path("width").asInt()).height(c.path("height").asInt())
                    .guidance(c.path("guidance").asDouble()).build();
            r = kino.generate(req, (StepEvent e) -> {
                perStep.add(e.latents().copy());
                timesteps.add(e.timestep());
                return true;
            });
        }
        int steps = c.path("steps").asInt();
        assertEquals(steps, perStep.size(), "steps");
        float worstLatents = 0;
        for (int i = 0; i < steps; i++) {
            assertEquals(c.path("timesteps").get(i).asDouble(), timesteps.get(i), 1e-4, "timestep " + i);
            float[] want = REF.floats(name + "/latents_" + i);
            float diff = maxDiff(perStep.get(i), want);
            assertTrue(diff <= 1e-4f * maxAbs(want), name + " latents after step " + i + " differ by " + diff);
            worstLatents = Math.max(worstLatents, diff / maxAbs(want));
        }
        byte[] frames = REF.uint8(name + "/frames_u8");
        long[] shape = REF.shape(name + "/frames_u8");
        assertEquals(shape[1], r.frames().count(), "frame count");
        assertEquals(shape[2], r.frames().height(), "height");
        assertEquals(shape[3], r.frames().width(), "width");
        int worst = ReferenceRuns.worstLevels(r.frames(), frames);
        assertTrue(worst <= 1, name + " frames differ by " + worst + " levels");
        System.out.printf("Hunyuan parity %-6s %s latents (every step) rel. diff <= %.2e, frames max diff %d/255%n",
                name, pkg.getFileName(), worstLatents, worst);
    }

    @Test
    void badRequestsAreRefusedInOneSentence() {
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(PACKAGE, Device.CPU)) {
            KinoException frames = assertThrows(KinoException.class,
                    () -> kino.plan(GenerationRequest.builder("a fox").frames(6).build()));
            assertTrue(frames.getMessage().contains("4k+1") && frames.getMessage().contains("5"), frames.getMessage());
            KinoException size = assertThrows(KinoException.class,
                    () -> kino.plan(GenerationRequest.builder("a fox").width(40).build()));
            assertTrue(size.getMessage().contains("multiple of 16") && size.getMessage().contains("try 32 or 48"),
                    size.getMessage());
            // within the request limit of 2000 characters, but about 2000 tokens: punctuation splits
            GenerationRequest tooLong = GenerationRequest.builder("x!".repeat(999)).build();
            String sentence = "The prompt is too long for the model's text encoder: with its template it must fit 1108"
                    + " tokens (1000 for the prompt itself, about 3-4 characters each); shorten the prompt.";
            assertEquals(sentence, assertThrows(KinoException.class, () -> kino.plan(tooLong)).getMessage(),
                    "refused when planned, before any work");
            GenerationPlanner unloaded = GenerationPlanner.of(ModelPackage.open(PACKAGE));
            assertEquals(sentence, assertThrows(KinoException.class, () -> unloaded.plan(tooLong)).getMessage(),
                    "refused by a planner that has no sessions (the server's)");
            KinoException negative = assertThrows(KinoException.class, () -> unloaded.plan(
                    GenerationRequest.builder("a fox").negativePrompt("x!".repeat(999)).build()));
            assertTrue(negative.getMessage().startsWith("The negative prompt is too long"), negative.getMessage());
            unloaded.plan(GenerationRequest.builder("a fox").negativePrompt("x!".repeat(999)).guidance(1.0).build());
        }
    }

    @Test
    void aPackageWithoutItsSecondTextEncoderIsRefusedByName(@TempDir Path tmp) throws IOException {
        Path copy = tmp.resolve("tiny-hunyuan");
        Files.createDirectories(copy);
        try (var files = Files.list(PACKAGE)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().startsWith("text_encoder_2")) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
        }
        KinoException e = assertThrows(KinoException.class, () -> ModelPackage.open(copy));
        assertEquals("The model package " + copy + " is missing its text encoder 2 file text_encoder_2.onnx named in"
                + " kino.json; copy the file into the package or fix the manifest.", e.getMessage());
    }
}
