package dev.kino.condition;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.Fixtures;
import dev.kino.ReferenceTensors;
import dev.kino.image.Fit;
import dev.kino.image.ImageFiles;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.model.ManifestReader;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.tensor.FloatTensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Conditioning latents, mask and image embeddings against diffusers' WanImageToVideoPipeline (the reference
 * of models/export/make_wan_i2v_reference.py), from the test PNGs through Kino's own preprocessing.
 */
class ImageConditionTest {
    private static final Path DIR = Fixtures.testResources().resolve("wan-i2v");
    private static final ReferenceTensors REF = new ReferenceTensors(DIR.resolve("reference/reference.json"));

    static float relativeError(float[] got, float[] want) {
        assertTrue(got.length == want.length, "sizes " + got.length + " vs " + want.length);
        float diff = 0;
        float max = 0;
        for (int i = 0; i < got.length; i++) {
            diff = Math.max(diff, Math.abs(got[i] - want[i]));
            max = Math.max(max, Math.abs(want[i]));
        }
        return diff / max;
    }

    @TestFactory
    List<DynamicTest> conditionAndEmbeddingsMatchDiffusers() {
        List<DynamicTest> tests = new ArrayList<>();
        REF.json().path("cases").fields().forEachRemaining(e -> {
            if (e.getValue().path("images").size() > 0) {
                tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(e.getKey(), e.getValue())));
            }
        });
        return tests;
    }

    private void check(String name, JsonNode c) {
        Path pkg = DIR.resolve(c.path("package").asText());
        Manifest m = ManifestReader.read(pkg.resolve("kino.json"));
        int width = c.path("width").asInt();
        int height = c.path("height").asInt();
        List<RgbImage> images = new ArrayList<>();
        List<float[]> pixels = new ArrayList<>();
        for (JsonNode n : c.path("images")) {
            RgbImage img = ImageFiles.read(DIR.resolve("reference").resolve(REF.json().path("images").path(n.asText()).asText()));
            images.add(img);
            float[] p = ImageCondition.pixels(img, width, height, Fit.STRETCH, m.conditioning());
            assertArrayEquals(REF.floats("cases/" + name + "/preprocessed_" + n.asText()), p, 0f, "preprocessed " + n);
            pixels.add(p);
        }
        OnnxRuntime runtime = OnnxRuntime.create(Device.CPU);
        Manifest.VaeEncoder ve = m.conditioning().vaeEncoder();
        try (OnnxModel first = runtime.open(pkg.resolve(ve.file()), "VAE encoder");
             OnnxModel next = runtime.open(pkg.resolve(ve.nextFile()), "VAE next-frames encoder")) {
            FloatTensor cond = ImageCondition.build(m, new CausalVaeEncoder(first, next, ve), pixels.get(0),
                    pixels.size() > 1 ? pixels.get(1) : null, c.path("frames").asInt(), width, height);
            assertArrayEquals(REF.shape("cases/" + name + "/condition"), cond.shape());
            float err = relativeError(cond.data(), REF.floats("cases/" + name + "/condition"));
            assertTrue(err <= 1e-4, name + " condition relative error " + err);
        }
        Manifest.ImageEncoder ie = m.conditioning().imageEncoder();
        if (ie != null) {
            try (OnnxModel clip = runtime.open(pkg.resolve(ie.file()), "image encoder")) {
                FloatTensor emb = new ImageEmbedder(clip, ie).embed(images);
                float err = relativeError(emb.data(), REF.floats("cases/" + name + "/image_embeds"));
                assertTrue(err <= 1e-4, name + " image embeddings relative error " + err);
                assertArrayEquals(new long[] {1, (long) ie.images() * ie.tokens(), emb.dim(2)}, emb.shape());
            }
        }
    }
}
