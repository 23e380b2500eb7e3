package dev.kino.hunyuan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.ReferenceRuns;
import dev.kino.ReferenceTensors;
import dev.kino.condition.ImageCondition;
import dev.kino.condition.ImageEmbedder;
import dev.kino.condition.VaeEncoder;
import dev.kino.denoise.StepEvent;
import dev.kino.image.Fit;
import dev.kino.image.ImageFiles;
import dev.kino.image.PilResize.Filter;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.model.ModelGraphs;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.tensor.FloatTensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static dev.kino.ReferenceTensors.maxAbs;
import static dev.kino.ReferenceTensors.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kino's image-to-video against diffusers' own HunyuanVideo15ImageToVideoPipeline, run unchanged on a tiny
 * real-architecture folder (models/export/make_tiny_hunyuan.py --i2v, make_hunyuan_i2v_reference.py): the SigLIP
 * image embeddings of the crop-resized picture, the condition channels (the picture's VAE latents x scaling
 * factor in latent frame 0, then the mask), every step's latents and the 8-bit frames, for a landscape and a
 * portrait picture at the sizes the pipeline chose for them. Tolerances as HunyuanParityTest.
 */
class HunyuanImageToVideoParityTest {
    private static final Path DIR = Path.of("src", "test", "resources", "hunyuan").toAbsolutePath();
    private static final Path PACKAGE = DIR.resolve("tiny-hunyuan-i2v");
    private static final ReferenceTensors REF = new ReferenceTensors(DIR.resolve("reference-i2v/reference.json"));

    private static List<DynamicTest> perCase(java.util.function.BiConsumer<String, JsonNode> check) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = REF.json().path("cases").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            tests.add(DynamicTest.dynamicTest(c.getKey(), () -> check.accept(c.getKey(), c.getValue())));
        }
        return tests;
    }

    private static Path picture(JsonNode c) {
        return DIR.resolve("reference-i2v").resolve(c.path("picture").asText());
    }

    private static GenerationRequest.Builder request(JsonNode c) {
        return GenerationRequest.builder(c.path("prompt").asText()).negativePrompt(c.path("negative_prompt").asText())
                .seed(c.path("seed").asLong()).steps(c.path("steps").asInt()).frames(c.path("frames").asInt())
                .width(c.path("width").asInt()).height(c.path("height").asInt())
                .guidance(c.path("guidance").asDouble()).image(picture(c)).fit(Fit.CROP);
    }

    private static float within(String name, float[] got, float[] want) {
        float diff = maxDiff(got, want);
        float scale = Math.max(maxAbs(want), 1e-6f);
        assertTrue(diff <= 1e-4f * scale, name + " differs by " + diff + " (max |ref| " + maxAbs(want) + ")");
        return diff / scale;
    }

    @TestFactory
    List<DynamicTest> imageEmbeddingsAndConditionChannelsMatchThePipelines() {
        return perCase(this::checkCondition);
    }

    private void checkCondition(String name, JsonNode c) {
        ModelPackage pkg = ModelPackage.open(PACKAGE);
        Manifest m = pkg.manifest();
        Manifest.Conditioning spec = m.conditioning();
        int width = c.path("width").asInt();
        int height = c.path("height").asInt();
        RgbImage sized = Fit.CROP.apply(ImageFiles.read(picture(c)), width, height, Filter.named(spec.resize()));
        try (ModelGraphs graphs = ModelGraphs.open(pkg, OnnxRuntime.create(Device.CPU))) {
            FloatTensor embeds = new ImageEmbedder(graphs.imageEncoder(), spec.imageEncoder()).embed(List.of(sized));
            assertArrayEquals(REF.shape(name + "/image_embeds"), embeds.shape(), "image embeddings shape");
            float e = within(name + " image embeddings", embeds.data(), REF.floats(name + "/image_embeds"));
            float[] pixels = ImageCondition.pixels(ImageFiles.read(picture(c)), width, height, Fit.CROP, spec);
            FloatTensor cond = ImageCondition.build(m, VaeEncoder.of(spec.vaeEncoder(), graphs), pixels, null,
                    c.path("frames").asInt(), width, height);
            float[] latents = REF.floats(name + "/cond_latents");
            float[] mask = REF.floats(name + "/cond_mask");
            assertEquals(latents.length + mask.length, cond.data().length, "condition channels: 32 latents + 1 mask");
            float l = within(name + " condition latents", Arrays.copyOf(cond.data(), latents.length), latents);
            assertArrayEquals(mask, Arrays.copyOfRange(cond.data(), latents.length, cond.data().length), 0f,
                    name + " mask");
            System.out.printf("Hunyuan I2V parity %-5s image embeddings rel. diff %.2e, condition latents %.2e, mask"
                    + " exact%n", name, e, l);
        }
    }

    @TestFactory
    List<DynamicTest> pipelineMatchesHunyuanVideo15ImageToVideoPipelineStepByStep() {
        return perCase(this::checkCase);
    }

    private void checkCase(String name, JsonNode c) {
        List<float[]> perStep = new ArrayList<>();
        GenerationResult r;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(PACKAGE, Device.CPU)) {
            r = kino.generate(request(c).build(), (StepEvent e) -> {
                perStep.add(e.latents().copy());
                return true;
            });
        }
        int steps = c.path("steps").asInt();
        assertEquals(steps, perStep.size(), "steps");
        float worstLatents = 0;
        for (int i = 0; i < steps; i++) {
            worstLatents = Math.max(worstLatents, within(name + " latents after step " + i, perStep.get(i),
                    REF.floats(name + "/latents_" + i)));
        }
        long[] shape = REF.shape(name + "/frames_u8");
        assertEquals(shape[1], r.frames().count(), "frame count");
        assertEquals(shape[2], r.frames().height(), "height");
        assertEquals(shape[3], r.frames().width(), "width");
        int worst = ReferenceRuns.worstLevels(r.frames(), REF.uint8(name + "/frames_u8"));
        assertTrue(worst <= 1, name + " frames differ by " + worst + " levels");
        System.out.printf("Hunyuan I2V parity %-5s latents (every step) rel. diff <= %.2e, frames max diff %d/255%n",
                name, worstLatents, worst);
    }

    @Test
    void continueFromStartsOnTheVideosLastDecodedFrame(@TempDir Path tmp) throws Exception {
        JsonNode c = REF.json().path("cases").path("fox");
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(PACKAGE, Device.CPU)) {
            GenerationResult shot1 = kino.generate(request(c).steps(1).build(), e -> true);
            Path mp4 = tmp.resolve("shot1.mp4");
            dev.kino.video.Mp4Writer.write(shot1.frames(), 8, mp4, 1);
            RgbImage last = dev.kino.video.LastFrame.read(mp4);
            java.awt.image.BufferedImage png = new java.awt.image.BufferedImage(last.width(), last.height(),
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < last.height(); y++) {
                for (int x = 0; x < last.width(); x++) {
                    png.setRGB(x, y, last.at(x, y, 0) << 16 | last.at(x, y, 1) << 8 | last.at(x, y, 2));
                }
            }
            Path still = tmp.resolve("last.png");
            javax.imageio.ImageIO.write(png, "png", still.toFile());
            GenerationResult fromVideo = kino.generate(request(c).steps(1).image(null).continueFrom(mp4).build(),
                    e -> true);
            GenerationResult fromStill = kino.generate(request(c).steps(1).image(still).build(), e -> true);
            GenerationResult fromPicture = kino.generate(request(c).steps(1).build(), e -> true);
            assertArrayEquals(fromStill.latents().data(), fromVideo.latents().data(), 0f);
            assertTrue(maxDiff(fromPicture.latents().data(), fromVideo.latents().data()) > 0,
                    "the continuation is conditioned on the video's frame, not the first picture");
        }
    }
}
