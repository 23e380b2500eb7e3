package dev.kino.ltx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.KinoException;
import dev.kino.ReferenceRuns;
import dev.kino.ReferenceTensors;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.kino.ReferenceTensors.maxAbs;
import static dev.kino.ReferenceTensors.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kino against diffusers' own LTXPipeline on a tiny real-architecture LTX-Video package (made by
 * models/export/make_tiny_ltx.py and make_ltx_reference.py; see resources/ltx/README.md): token ids, prompt
 * embeddings, the latents after every step (dynamic shift from the sequence length, guidance, frame-rate
 * conditioned rotary embedding, masked text attention) and the 8-bit frames (LTX denormalisation, decode
 * noise from the run's generator, decode timestep). Every case in reference.json runs, the variants too:
 * {@code tiny-ltx-distilled} against LTXConditionPipeline (the distilled timestep list, its linear-quadratic
 * schedule otherwise, its rotary coordinates and step) and {@code tiny-ltx-091} against LTXPipeline run after
 * {@code torch.manual_seed} (the 0.9.1 decoder's injected noise planes from the same stream).
 */
class LtxParityTest {
    private static final Path LTX = Path.of("src", "test", "resources", "ltx").toAbsolutePath();
    private static final Path PACKAGE = LTX.resolve("tiny-ltx");
    private static final ReferenceTensors REF = new ReferenceTensors(LTX.resolve("reference/reference.json"));
    private static final Map<String, Path> VARIANTS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * tiny-ltx, or a variant folder's files laid over a copy of the package its {@code OVERLAY} file names
     * (in a temporary folder).
     */
    static Path packageFor(String name) {
        Path overlay = LTX.resolve(name).resolve("OVERLAY");
        if (!java.nio.file.Files.exists(overlay)) {
            return LTX.resolve(name);
        }
        return VARIANTS.computeIfAbsent(name, n -> {
            try {
                Path base = LTX.resolve(java.nio.file.Files.readString(overlay).strip());
                Path dir = java.nio.file.Files.createTempDirectory("kino-" + n);
                dir.toFile().deleteOnExit();
                for (Path src : List.of(base, LTX.resolve(n))) {
                    try (var files = java.nio.file.Files.list(src)) {
                        for (Path f : files.filter(f -> !f.getFileName().toString().equals("OVERLAY")).toList()) {
                            Path to = dir.resolve(f.getFileName().toString());
                            java.nio.file.Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                            to.toFile().deleteOnExit();
                        }
                    }
                }
                return dir;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }


    @TestFactory
    List<DynamicTest> promptsTokenizeToTheReferenceIdsAndEmbeddings() {
        return ReferenceRuns.each(REF.json().path("prompts"), this::checkPrompt);
    }

    private void checkPrompt(String key, JsonNode prompt) {
        // LTXPipeline does not clean prompts
        ReferenceRuns.Prompt p = ReferenceRuns.checkPrompt(REF, key, PACKAGE, REF.json().path("max_length").asInt(),
                prompt.path("text").asText());
        System.out.printf("LTX parity prompt %-16s ids exact, embeddings rel. diff %.2e%n", key, p.relativeDiff());
    }

    @TestFactory
    List<DynamicTest> pipelineMatchesLtxPipelineOnEveryReferenceCase() {
        return ReferenceRuns.each(REF.json().path("cases"), this::checkCase);
    }

    private void checkCase(String name, JsonNode c) {
        JsonNode prompts = REF.json().path("prompts");
        ReferenceRuns.Run run;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(packageFor(name.substring(0, name.indexOf('/'))),
                Device.CPU)) {
            String negative = prompts.path(c.path("negative_prompt").asText()).path("text").asText();
            boolean manifestDefault = c.path("negative_prompt").asText().equals("default_negative");
            if (manifestDefault) {
                assertEquals(negative, kino.modelPackage().manifest().defaults().negativePrompt(),
                        "the package's default negative prompt is LTX's");
            }
            GenerationRequest req = GenerationRequest.builder(prompts.path(c.path("prompt").asText()).path("text").asText())
                    .negativePrompt(manifestDefault ? null : negative)
                    .seed(c.path("seed").asLong())
                    // a distilled model's own list is its default: the run leaves the step count to the package
                    .steps(c.path("timestep_list").asBoolean(false) ? null : c.path("steps").asInt())
                    .frames(c.path("frames").asInt())
                    .width(c.path("width").asInt()).height(c.path("height").asInt()).fps(c.path("fps").asInt())
                    .guidance(c.path("guidance").asDouble()).build();
            run = ReferenceRuns.generate(kino, req);
        }
        GenerationResult r = run.result();
        List<float[]> perStep = run.latents();
        List<Double> timesteps = run.timesteps();
        String base = name + "/";
        int steps = c.path("steps").asInt();
        assertEquals(steps, perStep.size(), "steps");
        float worstLatents = 0;
        for (int i = 0; i < steps; i++) {
            assertEquals(c.path("timesteps").get(i).asDouble(), timesteps.get(i), 1e-4, "timestep " + i);
            float[] want = REF.floats(base + "latents_" + i);
            float diff = maxDiff(perStep.get(i), want);
            assertTrue(diff <= 1e-4f * maxAbs(want), name + " latents after step " + i + " differ by " + diff
                    + " (max |ref| " + maxAbs(want) + ")");
            worstLatents = Math.max(worstLatents, diff / maxAbs(want));
        }
        assertArrayEquals(REF.shape(base + "latents_" + (steps - 1)), r.latents().shape(), "latent shape");
        byte[] frames = REF.uint8(base + "frames_u8");
        long[] frameShape = REF.shape(base + "frames_u8");
        assertEquals(frameShape[1], r.frames().count(), "frame count");
        assertEquals(frameShape[2], r.frames().height(), "height");
        assertEquals(frameShape[3], r.frames().width(), "width");
        int worst = ReferenceRuns.worstLevels(r.frames(), frames);
        assertTrue(worst <= 1, name + " frames differ by " + worst + " levels");
        System.out.printf("LTX parity %-14s latents (every step) rel. diff <= %.2e, frames max diff %d/255%n", name,
                worstLatents, worst);
    }

    @Test
    void badInputsAreRefusedInOneSentenceWithWhatToDo() {
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(PACKAGE, Device.CPU)) {
            KinoException e = assertThrows(KinoException.class,
                    () -> kino.plan(GenerationRequest.builder("a fox").frames(20).build()));
            assertTrue(e.getMessage().contains("8k+1") && e.getMessage().contains("try 17"), e.getMessage());
            KinoException size = assertThrows(KinoException.class,
                    () -> kino.plan(GenerationRequest.builder("a fox").width(100).build()));
            assertTrue(size.getMessage().contains("multiple of 32") && size.getMessage().contains("try 96 or 128"),
                    size.getMessage());
            // LTX's shift_terminal schedule cannot be planned for one step (diffusers: a NaN sigma)
            KinoException oneStep = assertThrows(KinoException.class,
                    () -> kino.generate(GenerationRequest.builder("a fox").steps(1).build(), event -> true));
            assertTrue(oneStep.getMessage().contains("at least 2 steps"), oneStep.getMessage());
        }
    }
}
