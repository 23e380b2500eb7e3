package dev.kino.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.Fixtures;
import dev.kino.KinoException;
import dev.kino.ReferenceTensors;
import dev.kino.image.PilResize.Filter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kino's image preprocessing against PIL (models/export/make_wan_i2v_reference.py): four test pictures
 * (64x40, 40x64, 23x37, 320x240 RGBA) at three video sizes in the three fit modes, and CLIPImageProcessor's
 * 224x224 crops. Pillow's integer arithmetic is reproduced, so the 8-bit pictures must be identical.
 */
class ImagePreprocessingTest {
    private static final Path DIR = Fixtures.testResources().resolve("wan-i2v").resolve("reference");
    private static final ReferenceTensors REF = new ReferenceTensors(DIR.resolve("reference.json"));
    private static final Map<String, Fit> MODES = Map.of("default", Fit.STRETCH, "crop", Fit.CROP, "fill", Fit.PAD);

    private static RgbImage picture(String name) {
        return ImageFiles.read(DIR.resolve(REF.json().path("images").path(name).asText()));
    }

    @Test
    void videoProcessorResizeEqualsPilInEveryFitMode() {
        int cases = 0;
        for (JsonNode c : REF.json().path("preprocessing").path("video_processor")) {
            RgbImage got = MODES.get(c.path("mode").asText()).apply(picture(c.path("image").asText()),
                    c.path("width").asInt(), c.path("height").asInt(), Filter.LANCZOS);
            assertArrayEquals(REF.uint8(c.path("rgb_u8").asText()), got.rgb(), c.toString());
            cases++;
        }
        assertEquals(36, cases);
    }

    @Test
    void clipResizeAndCropEqualPil() {
        for (JsonNode c : REF.json().path("preprocessing").path("clip")) {
            RgbImage got = ImagePreprocessing.clipCrop(picture(c.path("image").asText()), 224, 224, 224, Filter.BICUBIC);
            assertArrayEquals(REF.uint8(c.path("rgb_u8").asText()), got.rgb(), c.toString());
        }
    }

    @Test
    void pipelineTensorsEqualDiffusersAndTransformers() {
        RgbImage first = picture("first");
        float[] vae = ImagePreprocessing.vaeInput(first, 48, 32, Fit.STRETCH, Filter.LANCZOS);
        assertArrayEquals(REF.floats("cases/i2v/preprocessed_first"), vae, 0f);
        float[] clip = ImagePreprocessing.clipInput(first, 224, 224, 224, Filter.BICUBIC,
                new float[]{0.48145466f, 0.4578275f, 0.40821073f}, new float[]{0.26862954f, 0.26130258f, 0.27577711f});
        assertArrayEquals(REF.floats("cases/i2v/pixel_values"), clip, 0f);
    }

    @Test
    void stretchSaysWhenItDistorts() {
        assertTrue(Fit.STRETCH.distorts(64, 40, 48, 32));
        assertFalse(Fit.STRETCH.distorts(96, 64, 48, 32));
        assertFalse(Fit.CROP.distorts(64, 40, 48, 32));
    }

    @Test
    void unreadableOrMissingImageIsOneSentence(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("notes.png");
        Files.writeString(text, "not a picture");
        KinoException bad = assertThrows(KinoException.class, () -> ImageFiles.read(text));
        assertTrue(bad.getMessage().contains("cannot be read") && bad.getMessage().endsWith("."), bad.getMessage());
        KinoException missing = assertThrows(KinoException.class, () -> ImageFiles.read(tmp.resolve("none.png")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }
}
