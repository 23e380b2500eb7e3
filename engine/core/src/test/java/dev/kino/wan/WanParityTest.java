package dev.kino.wan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.ReferenceTensors;
import dev.kino.denoise.StepEvent;
import dev.kino.model.ModelGraphs;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.text.PromptCleaner;
import dev.kino.text.PromptTokenizer;
import dev.kino.text.TextEmbeddings;
import dev.kino.text.TextEncoder;
import dev.kino.text.Tokens;
import org.junit.jupiter.api.DynamicTest;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kino against a mirror of diffusers' WanPipeline on tiny real-architecture Wan packages (made by
 * models/export; see engine/core/src/test/resources/wan/README.md). Every case in reference.json runs, so new
 * cases drop in. Tolerances are the reference file's own.
 */
class WanParityTest {
    private static final Path WAN = Path.of("src", "test", "resources", "wan").toAbsolutePath();
    private static final ReferenceTensors REF = new ReferenceTensors(WAN.resolve("reference/reference.json"));

    @TempDir
    static Path tmp;


    @TestFactory
    List<DynamicTest> promptsTokenizeToTheReferenceIdsAndEmbeddings() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = REF.json().path("prompts").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            tests.add(DynamicTest.dynamicTest(p.getKey(), () -> checkPrompt(p.getKey(), p.getValue())));
        }
        return tests;
    }

    private void checkPrompt(String key, JsonNode prompt) {
        assertEquals(prompt.path("cleaned").asText(), PromptCleaner.clean(prompt.path("text").asText()));
        ModelPackage pkg = ModelPackage.open(WAN.resolve("tiny-wan21"));
        try (PromptTokenizer tok = PromptTokenizer.load(pkg.resolve("tokenizer.json"), 512, "max_length");
             ModelGraphs graphs = ModelGraphs.open(pkg, OnnxRuntime.create(Device.CPU))) {
            Tokens tokens = tok.tokenize(prompt.path("cleaned").asText());
            assertArrayEquals(REF.longs("text/" + key + "/input_ids"), tokens.ids(), "token ids");
            assertArrayEquals(REF.longs("text/" + key + "/attention_mask"), tokens.attentionMask(), "mask");
            assertEquals(prompt.path("ids").size(), tokens.length());
            TextEmbeddings emb = new TextEncoder(graphs.textEncoder(), pkg.manifest().textEncoder()).encode(tokens, null);
            float[] want = REF.floats("text/" + key + "/prompt_embeds");
            float diff = maxDiff(emb.cond().data(), want);
            assertTrue(diff <= 1e-4f * maxAbs(want), key + " embeddings differ by " + diff);
            System.out.printf("Wan parity prompt %-8s ids exact, embeddings rel. diff %.2e%n", key, diff / maxAbs(want));
        }
    }

    @TestFactory
    List<DynamicTest> pipelineMatchesWanPipelineOnEveryReferenceCase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = REF.json().path("cases").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            tests.add(DynamicTest.dynamicTest(c.getKey(), () -> checkCase(c.getKey(), c.getValue())));
        }
        return tests;
    }

    private void checkCase(String name, JsonNode c) throws IOException {
        Path model = withScheduler(c.path("package").asText(), c.path("scheduler"), name);
        JsonNode prompts = REF.json().path("prompts");
        List<float[]> perStep = new ArrayList<>();
        List<Double> timesteps = new ArrayList<>();
        GenerationResult r;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(model, Device.CPU)) {
            int experts = kino.modelPackage().manifest().denoiser().experts().size();
            JsonNode guidance = c.path("guidance");
            for (int i = 0; i < guidance.size() && experts > 1; i++) {
                assertEquals(guidance.get(i).asDouble(), kino.modelPackage().manifest().denoiser().experts().get(i).guidance(),
                        "expert " + i + " guidance is the manifest's default");
            }
            GenerationRequest req = GenerationRequest.builder(prompts.path(c.path("prompt").asText()).path("text").asText())
                    .negativePrompt(prompts.path(c.path("negative_prompt").asText()).path("text").asText())
                    .seed(REF.json().path("seed").asLong()).steps(REF.json().path("steps").asInt())
                    .frames(REF.json().path("frames").asInt()).width(REF.json().path("width").asInt())
                    .height(REF.json().path("height").asInt())
                    .guidance(experts > 1 ? null : guidance.get(0).asDouble()).build();
            r = kino.generate(req, (StepEvent e) -> {
                perStep.add(e.latents().copy());
                timesteps.add(e.timestep());
                return true;
            });
        }
        String base = name + "/";
        float[] noiseShapeCheck = REF.floats(base + "final_latents");
        assertArrayEquals(REF.shape(base + "final_latents"), r.latents().shape(), "latent shape");
        for (int i = 0; i < timesteps.size(); i++) {
            assertEquals(c.path("timesteps").get(i).asDouble(), timesteps.get(i), 1e-3, "timestep " + i);
            float[] want = REF.floats(base + "latents_" + i);
            float diff = maxDiff(perStep.get(i), want);
            assertTrue(diff <= 1e-3f * maxAbs(want), name + " latents after step " + i + " differ by " + diff);
        }
        float diff = maxDiff(r.latents().data(), noiseShapeCheck);
        assertTrue(diff <= 1e-3f * maxAbs(noiseShapeCheck), name + " final latents differ by " + diff
                + " (max |ref| " + maxAbs(noiseShapeCheck) + ")");
        byte[] frames = REF.uint8(base + "frames_u8");
        int w = r.frames().width();
        int h = r.frames().height();
        assertEquals(REF.shape(base + "frames_u8")[1], r.frames().count(), "frame count");
        int worst = 0;
        for (int f = 0; f < r.frames().count(); f++) {
            byte[] got = r.frames().frame(f);
            for (int i = 0; i < got.length; i++) {
                worst = Math.max(worst, Math.abs((got[i] & 0xff) - (frames[f * w * h * 3 + i] & 0xff)));
            }
        }
        assertTrue(worst <= 1, name + " frames differ by " + worst + " levels");
        System.out.printf("Wan parity %-22s final latents rel. diff %.2e, frames max diff %d/255%n", name,
                diff / maxAbs(noiseShapeCheck), worst);
    }

    /** A copy of the package with the case's scheduler config in its manifest. */
    private static Path withScheduler(String pkg, JsonNode scheduler, String caseName) throws IOException {
        Path src = WAN.resolve(pkg);
        Path dst = tmp.resolve(caseName.replace('/', '_'));
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(dst.resolve("kino.json").toFile());
        manifest.set("scheduler", scheduler);
        json.writerWithDefaultPrettyPrinter().writeValue(dst.resolve("kino.json").toFile(), manifest);
        return dst;
    }
}
