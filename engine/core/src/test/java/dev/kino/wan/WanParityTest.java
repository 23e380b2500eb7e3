package dev.kino.wan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.ReferenceRuns;
import dev.kino.ReferenceTensors;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.text.PromptCleaner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        return ReferenceRuns.each(REF.json().path("prompts"), this::checkPrompt);
    }

    private void checkPrompt(String key, JsonNode prompt) {
        assertEquals(prompt.path("cleaned").asText(), PromptCleaner.clean(prompt.path("text").asText()));
        ReferenceRuns.Prompt p = ReferenceRuns.checkPrompt(REF, key, WAN.resolve("tiny-wan21"), 512,
                prompt.path("cleaned").asText());
        assertEquals(prompt.path("ids").size(), p.tokens().length());
        System.out.printf("Wan parity prompt %-8s ids exact, embeddings rel. diff %.2e%n", key, p.relativeDiff());
    }

    @TestFactory
    List<DynamicTest> pipelineMatchesWanPipelineOnEveryReferenceCase() {
        return ReferenceRuns.each(REF.json().path("cases"), this::checkCase);
    }

    private void checkCase(String name, JsonNode c) throws IOException {
        Path model = withScheduler(c.path("package").asText(), c.path("scheduler"), name);
        JsonNode prompts = REF.json().path("prompts");
        ReferenceRuns.Run run;
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
            run = ReferenceRuns.generate(kino, req);
        }
        GenerationResult r = run.result();
        List<float[]> perStep = run.latents();
        List<Double> timesteps = run.timesteps();
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
        assertEquals(REF.shape(base + "frames_u8")[1], r.frames().count(), "frame count");
        int worst = ReferenceRuns.worstLevels(r.frames(), frames);
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
