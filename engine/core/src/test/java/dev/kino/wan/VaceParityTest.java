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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kino's Wan VACE against diffusers' WanVACEPipeline run unchanged on tiny real-architecture VACE packages
 * (engine/core/src/test/resources/wan-vace/README.md). Wan 2.1 ({@code reference/}): reference images only, control
 * video only, mask + source video, and all together with two reference images at conditioning scale 0.7. Wan 2.2
 * VACE-Fun A14B design ({@code reference-wan22/}: two experts switched at the pipeline's boundary_ratio, each with
 * its own guidance): control video only, and all together. Videos are written here into lossless files and read
 * back through {@code controlVideo}/{@code maskVideo}; every step's latents (reference frames included) within
 * 1e-4 relative, frames within 1/255.
 */
class VaceParityTest {
    private static final Path DIR = Fixtures.testResources().resolve("wan-vace");
    private static final ReferenceSet WAN21 = new ReferenceSet("reference");
    private static final ReferenceSet WAN22 = new ReferenceSet("reference-wan22");
    private static final Path PACKAGE = WAN21.pkg;

    @TempDir
    static Path tmp;

    /** One reference folder: its tensors, the package it was made on, and its videos written as lossless files. */
    private static final class ReferenceSet {
        final Path folder;
        final ReferenceTensors ref;
        final Path pkg;
        Path control;
        Path mask;

        ReferenceSet(String folder) {
            this.folder = DIR.resolve(folder);
            this.ref = new ReferenceTensors(this.folder.resolve("reference.json"));
            this.pkg = DIR.resolve(ref.json().path("package").asText());
        }

        void writeVideos() throws Exception {
            control = tmp.resolve(folder.getFileName() + "-control.mkv");
            mask = tmp.resolve(folder.getFileName() + "-mask.mkv");
            VideoToVideoParityTest.writeLossless(frames(ref, "control_u8"), control);
            VideoToVideoParityTest.writeLossless(frames(ref, "mask_u8"), mask);
        }

        /** Wan 2.1 sets the guidance; Wan 2.2 leaves each expert its own (the package's 4.0 / 3.0). */
        GenerationRequest.Builder request(JsonNode c) {
            JsonNode j = ref.json();
            GenerationRequest.Builder b = GenerationRequest.builder(j.path("prompt").asText())
                    .negativePrompt(j.path("negative_prompt").asText()).seed(j.path("seed").asLong())
                    .steps(j.path("steps").asInt())
                    .width(j.path("width").asInt()).height(j.path("height").asInt()).frames(j.path("frames").asInt())
                    .conditioningScale(c.path("conditioning_scale").asDouble());
            if (!j.has("guidance_2")) {
                b.guidance(j.path("guidance").asDouble());
            }
            for (JsonNode r : c.path("reference_images")) {
                b.referenceImage(folder.resolve(j.path("images").path(r.asText()).asText()));
            }
            if (c.path("control_video").asBoolean()) {
                b.controlVideo(control);
            }
            if (c.path("mask_video").asBoolean()) {
                b.maskVideo(mask);
            }
            return b;
        }
    }

    @BeforeAll
    static void writeVideos() throws Exception {
        WAN21.writeVideos();
        WAN22.writeVideos();
    }

    private static List<RgbImage> frames(ReferenceTensors ref, String name) {
        long[] s = ref.shape(name);
        byte[] all = ref.uint8(name);
        int size = (int) (s[1] * s[2] * 3);
        List<RgbImage> out = new ArrayList<>();
        for (int f = 0; f < s[0]; f++) {
            out.add(new RgbImage((int) s[2], (int) s[1], Arrays.copyOfRange(all, f * size, (f + 1) * size)));
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> everyStepMatchesDiffusers() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceSet set : List.of(WAN21, WAN22)) {
            String package_ = set.ref.json().path("package").asText();
            set.ref.json().path("cases").fields().forEachRemaining(e -> tests.add(DynamicTest.dynamicTest(
                    package_ + " " + e.getKey(), () -> check(set, e.getKey(), e.getValue()))));
        }
        return tests;
    }

    @Test
    void wan22ReferenceRunsBothExpertsWithTheirOwnGuidance() {
        JsonNode j = WAN22.ref.json();
        double boundary = j.path("boundary_ratio").asDouble() * 1000;
        for (JsonNode c : j.path("cases")) {
            List<Double> t = new ArrayList<>();
            c.path("timesteps").forEach(x -> t.add(x.asDouble()));
            assertTrue(t.stream().anyMatch(x -> x >= boundary) && t.stream().anyMatch(x -> x < boundary),
                    "the reference steps straddle the boundary " + boundary + ": " + t);
        }
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(WAN22.pkg, Device.CPU)) {
            GenerationPlan plan = kino.plan(WAN22.request(j.path("cases").path("control")).build());
            assertArrayEquals(new double[] {j.path("guidance").asDouble(), j.path("guidance_2").asDouble()},
                    plan.guidance(), "one guidance scale per expert");
        }
    }

    private void check(ReferenceSet set, String caseName, JsonNode c) {
        ReferenceTensors ref = set.ref;
        String name = set.ref.json().path("package").asText() + " " + caseName;
        List<float[]> perStep = new ArrayList<>();
        GenerationResult r;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(set.pkg, Device.CPU)) {
            GenerationPlan plan = kino.plan(set.request(c).build());
            assertEquals(c.path("reference_images").size(), plan.referenceFrames(), name + ": reference frames");
            r = kino.generate(plan, e -> {
                perStep.add(e.latents().copy());
                return true;
            });
        }
        String base = "cases/" + caseName + "/";
        assertEquals(c.path("timesteps").size(), perStep.size(), name + ": steps");
        float worst = 0;
        for (int i = 0; i < perStep.size(); i++) {
            float[] want = ref.floats(base + "latents_" + i);
            float rel = ReferenceTensors.maxDiff(perStep.get(i), want) / ReferenceTensors.maxAbs(want);
            worst = Math.max(worst, rel);
            assertTrue(rel <= 1e-4f, name + " latents after step " + i + " differ by " + rel + " relative");
        }
        float[] decoded = ref.floats(base + "decoded_latents");
        assertEquals(decoded.length, r.latents().data().length, name + ": the reference frames are dropped");
        byte[] frames = ref.uint8(base + "frames_u8");
        assertEquals(ref.shape(base + "frames_u8")[1], r.frames().count(), "frame count");
        int levels = ReferenceRuns.worstLevels(r.frames(), frames);
        assertTrue(levels <= 1, name + " frames differ by " + levels + " levels");
        System.out.printf("Wan VACE parity %-24s per-step latents rel. diff <= %.2e, frames max diff %d/255%n",
                name, worst, levels);
    }

    @Test
    void badVaceInputsAreOneSentenceBeforeAnyWork(@TempDir Path dir) throws Exception {
        JsonNode c = WAN21.ref.json().path("cases").path("all");
        List<String> messages = new ArrayList<>();
        messages.add(VideoToVideoParityTest.failure(Fixtures.testResources().resolve("wan/tiny-wan21"),
                GenerationRequest.builder("a fox").referenceImage(WAN21.request(c).build().referenceImages().get(0)).build()));
        assertTrue(messages.get(0).contains("not a Wan VACE model"), messages.get(0));
        Path short5 = dir.resolve("five.mkv");
        VideoToVideoParityTest.writeLossless(frames(WAN21.ref, "control_u8").subList(0, 5), short5);
        messages.add(VideoToVideoParityTest.failure(PACKAGE, WAN21.request(c).controlVideo(short5).build()));
        assertTrue(messages.get(1).contains("control video has 5 frames"), messages.get(1));
        Path small = dir.resolve("small-mask.mkv");
        List<RgbImage> tiny = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            tiny.add(RgbImage.black(32, 32));
        }
        VideoToVideoParityTest.writeLossless(tiny, small);
        messages.add(VideoToVideoParityTest.failure(PACKAGE, WAN21.request(c).maskVideo(small).build()));
        assertTrue(messages.get(2).contains("give a mask of the same size"), messages.get(2));
        messages.add(VideoToVideoParityTest.failure(PACKAGE, WAN21.request(c).conditioningScale(-1.0).build()));
        assertTrue(messages.get(3).contains("conditioning_scale must be a number from 0 to 10"), messages.get(3));
        messages.add(VideoToVideoParityTest.failure(PACKAGE, GenerationRequest.builder("a fox").sourceVideo(WAN21.control).build()));
        assertTrue(messages.get(4).contains("not --source-video"), messages.get(4));
        for (String m : messages) {
            assertTrue(m.endsWith(".") && m.indexOf(". ") < 0, "one sentence: " + m);
        }
    }
}
