package dev.kino.wan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.Fixtures;
import dev.kino.KinoException;
import dev.kino.ReferenceRuns;
import dev.kino.ReferenceTensors;
import dev.kino.image.Fit;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.StageTimings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kino's image-to-video against diffusers' WanImageToVideoPipeline and WanPipeline(expand_timesteps) run
 * unchanged on tiny real-architecture packages (engine/core/src/test/resources/wan-i2v/README.md): every
 * step's latents within 1e-4 relative, frames within 1/255. Pictures go through Kino's own loading and
 * preprocessing with {@code --fit stretch} (diffusers' default resize). A case whose {@code guidance} is a list
 * (Wan 2.2 I2V-A14B: {@code guidance_scale}, {@code guidance_scale_2}) runs on the package's per-expert
 * defaults, which must be those scales.
 */
class ImageToVideoParityTest {
    private static final Path DIR = Fixtures.testResources().resolve("wan-i2v");
    private static final ReferenceTensors REF = new ReferenceTensors(DIR.resolve("reference/reference.json"));

    private static Path picture(String name) {
        return DIR.resolve("reference").resolve(REF.json().path("images").path(name).asText());
    }

    private static GenerationRequest.Builder request(JsonNode c) {
        GenerationRequest.Builder b = GenerationRequest.builder(REF.json().path("prompt").asText())
                .negativePrompt(REF.json().path("negative_prompt").asText()).seed(REF.json().path("seed").asLong())
                .steps(REF.json().path("steps").asInt()).frames(c.path("frames").asInt())
                .width(c.path("width").asInt()).height(c.path("height").asInt())
                .guidance(c.path("guidance").isArray() ? null : c.path("guidance").asDouble()).fit(Fit.STRETCH);
        JsonNode images = c.path("images");
        if (images.size() > 0) {
            b.image(picture(images.get(0).asText()));
        }
        if (images.size() > 1) {
            b.lastImage(picture(images.get(1).asText()));
        }
        return b;
    }

    @TestFactory
    List<DynamicTest> everyStepMatchesDiffusers() {
        return ReferenceRuns.each(REF.json().path("cases"), this::check);
    }

    private void check(String name, JsonNode c) {
        ReferenceRuns.Run run;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(DIR.resolve(c.path("package").asText()), Device.CPU)) {
            JsonNode guidance = c.path("guidance");
            for (int i = 0; i < guidance.size(); i++) {      // diffusers ran the experts at these scales
                assertEquals(guidance.get(i).asDouble(),
                        kino.modelPackage().manifest().denoiser().experts().get(i).guidance(), name + " expert " + i);
            }
            run = ReferenceRuns.generate(kino, request(c).build());
        }
        GenerationResult r = run.result();
        List<float[]> perStep = run.latents();
        String base = "cases/" + name + "/";
        float worst = 0;
        for (int i = 0; i < perStep.size(); i++) {
            float[] want = REF.floats(base + "latents_" + i);
            float rel = ReferenceTensors.maxDiff(perStep.get(i), want) / ReferenceTensors.maxAbs(want);
            worst = Math.max(worst, rel);
            assertTrue(rel <= 1e-4f, name + " latents after step " + i + " differ by " + rel + " relative");
        }
        assertEquals(c.path("timesteps").size(), perStep.size(), "steps");
        byte[] frames = REF.uint8(base + "frames_u8");
        assertEquals(REF.shape(base + "frames_u8")[1], r.frames().count(), "frame count");
        int levels = ReferenceRuns.worstLevels(r.frames(), frames);
        assertTrue(levels <= 1, name + " frames differ by " + levels + " levels");
        assertEquals(c.path("images").size() > 0, r.timings().wall().containsKey(StageTimings.IMAGE_ENCODE),
                "an image-encode stage exactly when there are pictures");
        System.out.printf("Wan image-to-video parity %-10s per-step latents rel. diff <= %.2e, frames max diff %d/255%n",
                name, worst, levels);
    }

    private static String failure(String pkg, GenerationRequest req) {
        Path model = pkg.startsWith("tiny-wan21") && !pkg.contains("i2v") && !pkg.contains("flf2v")
                ? Fixtures.testResources().resolve("wan").resolve(pkg) : DIR.resolve(pkg);
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(model, Device.CPU)) {
            return assertThrows(KinoException.class, () -> kino.generate(req, e -> true)).getMessage();
        }
    }

    @Test
    void badPicturesAreOneSentenceEach(@TempDir Path tmp) throws Exception {
        GenerationRequest.Builder small = GenerationRequest.builder("a fox").steps(1).frames(5).width(48).height(32);
        String textOnly = failure("tiny-wan21", small.image(picture("first")).build());
        assertTrue(textOnly.contains("text only"), textOnly);
        String none = failure("tiny-wan21-i2v", GenerationRequest.builder("a fox").steps(1).build());
        assertTrue(none.contains("--image"), none);
        String noLast = failure("tiny-wan21-i2v", GenerationRequest.builder("a fox").steps(1)
                .image(picture("first")).lastImage(picture("last")).build());
        assertTrue(noLast.contains("cannot end on a given frame"), noLast);
        String needsLast = failure("tiny-wan21-flf2v", GenerationRequest.builder("a fox").steps(1)
                .image(picture("first")).build());
        assertTrue(needsLast.contains("--last-image"), needsLast);
        Path junk = tmp.resolve("junk.png");
        Files.writeString(junk, "not a picture");
        String unreadable = failure("tiny-wan21-i2v", GenerationRequest.builder("a fox").steps(1).image(junk).build());
        assertTrue(unreadable.contains("cannot be read"), unreadable);
        for (String m : List.of(textOnly, none, noLast, needsLast, unreadable)) {
            assertTrue(m.endsWith(".") && m.indexOf(". ") < 0, "one sentence: " + m);
        }
    }

    @Test
    void aWebpPictureGivesTheSameVideoAsThePng() {
        JsonNode c = REF.json().path("cases").path("i2v-a14b");
        Path webp = Fixtures.testResources().resolve("pictures").resolve("i2v-first.webp");
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(DIR.resolve(c.path("package").asText()), Device.CPU)) {
            GenerationResult png = kino.generate(request(c).steps(1).build(), e -> true);
            GenerationResult fromWebp = kino.generate(request(c).steps(1).image(webp).build(), e -> true);
            assertArrayEquals(png.latents().data(), fromWebp.latents().data(), 0f);
        }
    }

    @Test
    void continueFromStartsOnTheVideosLastDecodedFrame(@TempDir Path tmp) throws Exception {
        JsonNode c = REF.json().path("cases").path("i2v");
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(DIR.resolve("tiny-wan21-i2v"), Device.CPU)) {
            GenerationResult shot1 = kino.generate(request(c).steps(1).build(), e -> true);
            Path mp4 = tmp.resolve("shot1.mp4");
            dev.kino.video.Mp4Writer.write(shot1.frames(), 8, mp4, 1);
            dev.kino.image.RgbImage last = dev.kino.video.LastFrame.read(mp4);
            java.awt.image.BufferedImage png = new java.awt.image.BufferedImage(last.width(), last.height(),
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < last.height(); y++) {
                for (int x = 0; x < last.width(); x++) {
                    png.setRGB(x, y, last.at(x, y, 0) << 16 | last.at(x, y, 1) << 8 | last.at(x, y, 2));
                }
            }
            Path still = tmp.resolve("last.png");
            javax.imageio.ImageIO.write(png, "png", still.toFile());
            GenerationResult fromVideo = kino.generate(request(c).steps(1).image(null).continueFrom(mp4).build(), e -> true);
            GenerationResult fromStill = kino.generate(request(c).steps(1).image(still).build(), e -> true);
            assertArrayEquals(fromStill.latents().data(), fromVideo.latents().data(), 0f);
            String both = assertThrows(KinoException.class,
                    () -> kino.generate(request(c).steps(1).continueFrom(mp4).build(), e -> true)).getMessage();
            assertTrue(both.contains("not both"), both);
        }
    }

    @Test
    void thePlanFingerprintCoversThePicturesAndJsonRefersToTheirFiles(@TempDir Path tmp) throws Exception {
        JsonNode c = REF.json().path("cases").path("i2v");
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(DIR.resolve("tiny-wan21-i2v"), Device.CPU)) {
            dev.kino.pipeline.GenerationPlan a = kino.plan(request(c).build());
            dev.kino.pipeline.GenerationPlan b = kino.plan(request(c).image(picture("portrait")).build());
            dev.kino.pipeline.GenerationPlan cropped = kino.plan(request(c).fit(Fit.CROP).build());
            assertTrue(!a.fingerprint().equals(b.fingerprint()) && !a.fingerprint().equals(cropped.fingerprint()));
            assertEquals(a.fingerprint(), kino.plan(request(c).build()).fingerprint());

            // A plan read back from JSON re-reads its picture and renders the same latents.
            Path copy = tmp.resolve("first.png");
            java.nio.file.Files.copy(request(c).build().image(), copy);
            dev.kino.pipeline.GenerationPlan own = kino.plan(request(c).steps(1).image(copy).build());
            dev.kino.pipeline.GenerationPlan back = dev.kino.pipeline.GenerationPlan.fromJson(own.toJson());
            assertEquals(own, back);
            assertArrayEquals(kino.generate(own, e -> true).latents().data(),
                    kino.generate(back, e -> true).latents().data(), 0f);

            // Changed bytes (another picture under the same name) or a missing file: one sentence each.
            String json = own.toJson();
            java.nio.file.Files.copy(picture("portrait"), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            String changed = assertThrows(KinoException.class,
                    () -> dev.kino.pipeline.GenerationPlan.fromJson(json)).getMessage();
            assertTrue(changed.contains("changed after the plan was made"), changed);
            java.nio.file.Files.delete(copy);
            String gone = assertThrows(KinoException.class,
                    () -> dev.kino.pipeline.GenerationPlan.fromJson(json)).getMessage();
            assertTrue(gone.contains("is gone"), gone);
        }
    }

    @Test
    void fitDefaultsToCropAndWarnsWhenStretching() {
        JsonNode c = REF.json().path("cases").path("i2v");
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(DIR.resolve("tiny-wan21-i2v"), Device.CPU)) {
            GenerationResult stretched = kino.generate(request(c).steps(1).build(), e -> true);
            assertTrue(stretched.warnings().stream().anyMatch(w -> w.contains("stretched")), stretched.warnings().toString());
            GenerationResult cropped = kino.generate(request(c).steps(1).fit(null).build(), e -> true);
            assertTrue(cropped.warnings().stream().noneMatch(w -> w.contains("stretched")));
            assertTrue(!java.util.Arrays.equals(stretched.latents().data(), cropped.latents().data()),
                    "crop and stretch condition on different pictures");
        }
    }
}
