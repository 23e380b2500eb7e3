package dev.kino.wan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.Fixtures;
import dev.kino.ReferenceRuns;
import dev.kino.ReferenceTensors;
import dev.kino.image.RgbImage;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kino's Wan VACE against diffusers' WanVACEPipeline run unchanged on a tiny real-architecture VACE package
 * (engine/core/src/test/resources/wan-vace/README.md): reference images only, control video only, mask + source
 * video, and all together with two reference images at conditioning scale 0.7. Videos are written here into
 * lossless files and read back through {@code controlVideo}/{@code maskVideo}; every step's latents (reference
 * frames included) within 1e-4 relative, frames within 1/255.
 */
class VaceParityTest {
    private static final Path DIR = Fixtures.testResources().resolve("wan-vace");
    private static final ReferenceTensors REF = new ReferenceTensors(DIR.resolve("reference/reference.json"));
    private static final Path PACKAGE = DIR.resolve(REF.json().path("package").asText());

    @TempDir
    static Path tmp;
    private static Path control;
    private static Path mask;

    @BeforeAll
    static void writeVideos() throws Exception {
        control = tmp.resolve("control.mkv");
        mask = tmp.resolve("mask.mkv");
        VideoToVideoParityTest.writeLossless(frames("control_u8"), control);
        VideoToVideoParityTest.writeLossless(frames("mask_u8"), mask);
    }

    private static List<RgbImage> frames(String name) {
        long[] s = REF.shape(name);
        byte[] all = REF.uint8(name);
        int size = (int) (s[1] * s[2] * 3);
        List<RgbImage> out = new ArrayList<>();
        for (int f = 0; f < s[0]; f++) {
            out.add(new RgbImage((int) s[2], (int) s[1], Arrays.copyOfRange(all, f * size, (f + 1) * size)));
        }
        return out;
    }

    private static GenerationRequest.Builder request(JsonNode c) {
        JsonNode j = REF.json();
        GenerationRequest.Builder b = GenerationRequest.builder(j.path("prompt").asText())
                .negativePrompt(j.path("negative_prompt").asText()).seed(j.path("seed").asLong())
                .steps(j.path("steps").asInt()).guidance(j.path("guidance").asDouble())
                .width(j.path("width").asInt()).height(j.path("height").asInt()).frames(j.path("frames").asInt())
                .conditioningScale(c.path("conditioning_scale").asDouble());
        for (JsonNode r : c.path("reference_images")) {
            b.referenceImage(DIR.resolve("reference").resolve(j.path("images").path(r.asText()).asText()));
        }
        if (c.path("control_video").asBoolean()) {
            b.controlVideo(control);
        }
        if (c.path("mask_video").asBoolean()) {
            b.maskVideo(mask);
        }
        return b;
    }

    @TestFactory
    List<DynamicTest> everyStepMatchesDiffusers() {
        List<DynamicTest> tests = new ArrayList<>();
        REF.json().path("cases").fields().forEachRemaining(e ->
                tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(e.getKey(), e.getValue()))));
        return tests;
    }

    private void check(String name, JsonNode c) {
        List<float[]> perStep = new ArrayList<>();
        GenerationResult r;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(PACKAGE, Device.CPU)) {
            GenerationPlan plan = kino.plan(request(c).build());
            assertEquals(c.path("reference_images").size(), plan.referenceFrames(), name + ": reference frames");
            r = kino.generate(plan, e -> {
                perStep.add(e.latents().copy());
                return true;
            });
        }
        String base = "cases/" + name + "/";
        assertEquals(c.path("timesteps").size(), perStep.size(), name + ": steps");
        float worst = 0;
        for (int i = 0; i < perStep.size(); i++) {
            float[] want = REF.floats(base + "latents_" + i);
            float rel = ReferenceTensors.maxDiff(perStep.get(i), want) / ReferenceTensors.maxAbs(want);
            worst = Math.max(worst, rel);
            assertTrue(rel <= 1e-4f, name + " latents after step " + i + " differ by " + rel + " relative");
        }
        float[] decoded = REF.floats(base + "decoded_latents");
        assertEquals(decoded.length, r.latents().data().length, name + ": the reference frames are dropped");
        byte[] frames = REF.uint8(base + "frames_u8");
        assertEquals(REF.shape(base + "frames_u8")[1], r.frames().count(), "frame count");
        int levels = ReferenceRuns.worstLevels(r.frames(), frames);
        assertTrue(levels <= 1, name + " frames differ by " + levels + " levels");
        System.out.printf("Wan VACE parity %-8s per-step latents rel. diff <= %.2e, frames max diff %d/255%n",
                name, worst, levels);
    }

    @Test
    void badVaceInputsAreOneSentenceBeforeAnyWork(@TempDir Path dir) throws Exception {
        JsonNode c = REF.json().path("cases").path("all");
        List<String> messages = new ArrayList<>();
        messages.add(VideoToVideoParityTest.failure(Fixtures.testResources().resolve("wan/tiny-wan21"),
                GenerationRequest.builder("a fox").referenceImage(request(c).build().referenceImages().get(0)).build()));
        assertTrue(messages.get(0).contains("not a Wan VACE model"), messages.get(0));
        Path short5 = dir.resolve("five.mkv");
        VideoToVideoParityTest.writeLossless(frames("control_u8").subList(0, 5), short5);
        messages.add(VideoToVideoParityTest.failure(PACKAGE, request(c).controlVideo(short5).build()));
        assertTrue(messages.get(1).contains("control video has 5 frames"), messages.get(1));
        Path small = dir.resolve("small-mask.mkv");
        List<RgbImage> tiny = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            tiny.add(RgbImage.black(32, 32));
        }
        VideoToVideoParityTest.writeLossless(tiny, small);
        messages.add(VideoToVideoParityTest.failure(PACKAGE, request(c).maskVideo(small).build()));
        assertTrue(messages.get(2).contains("give a mask of the same size"), messages.get(2));
        messages.add(VideoToVideoParityTest.failure(PACKAGE, request(c).conditioningScale(-1.0).build()));
        assertTrue(messages.get(3).contains("conditioning_scale must be a number from 0 to 10"), messages.get(3));
        messages.add(VideoToVideoParityTest.failure(PACKAGE, GenerationRequest.builder("a fox").sourceVideo(control).build()));
        assertTrue(messages.get(4).contains("not --source-video"), messages.get(4));
        for (String m : messages) {
            assertTrue(m.endsWith(".") && m.indexOf(". ") < 0, "one sentence: " + m);
        }
    }
}
