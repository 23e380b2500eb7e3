package dev.kino.image;

import dev.kino.Fixtures;
import dev.kino.KinoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Picture loading against diffusers' {@code load_image} (PIL: {@code exif_transpose}, then {@code convert("RGB")}),
 * on the files of models/reference/make_picture_files.py: each {@code X.pil.png} is what PIL made of {@code X}.
 */
class PictureFilesTest {
    private static final Path DIR = Fixtures.testResources().resolve("pictures");

    private static RgbImage pil(String name) throws IOException {
        return ImageFiles.toRgb(ImageIO.read(DIR.resolve(name.substring(0, name.lastIndexOf('.')) + ".pil.png").toFile()));
    }

    /** Largest difference in 8-bit levels; the sizes must agree. */
    private static int maxDiff(RgbImage got, RgbImage want, String name) {
        assertEquals(want.width() + "x" + want.height(), got.width() + "x" + got.height(), name + " size");
        int max = 0;
        for (int i = 0; i < got.rgb().length; i++) {
            max = Math.max(max, Math.abs((got.rgb()[i] & 0xff) - (want.rgb()[i] & 0xff)));
        }
        return max;
    }

    @Test
    void webpDecodesAsPilDoesLossyIncluded() throws IOException {
        for (String name : new String[] {"webp-lossless.webp", "webp-lossless-alpha.webp", "webp-lossy.webp",
                "webp-lossy-even.webp", "webp-lossy-alpha.webp", "webp-lossy-texture.webp", "webp-orient-6.webp"}) {
            int diff = maxDiff(ImageFiles.read(DIR.resolve(name)), pil(name), name);
            System.out.printf("%-26s vs PIL (libwebp): max diff %d/255%n", name, diff);
            assertEquals(0, diff, name + " differs from PIL by " + diff + " levels");
        }
    }

    @Test
    void everyExifOrientationIsAppliedAsPilDoes() throws IOException {
        RgbImage stored = ImageFiles.toRgb(ImageIO.read(DIR.resolve("jpeg-orient-1.jpg").toFile()));
        for (int n = 1; n <= 8; n++) {
            String name = "jpeg-orient-" + n + ".jpg";
            assertEquals(n, ExifOrientation.read(DIR.resolve(name)), name);
            RgbImage want = pil(name);
            int diff = maxDiff(ImageFiles.read(DIR.resolve(name)), want, name);
            System.out.printf("%-26s vs PIL (exif_transpose): max diff %d/255%n", name, diff);
            assertTrue(diff <= 1, name + " differs from PIL by " + diff + " levels");
            // the picture has no symmetry: leaving it as stored would fail the comparison (except tag 1)
            boolean sameShape = stored.width() == want.width();
            assertEquals(n == 1, sameShape && maxDiff(stored, want, name) <= 1, name + " as stored");
        }
        // a phone-style 4:2:0 JPEG; PNG eXIf; ImageMagick's hex "Raw profile type exif" text; XMP only
        Map<String, Integer> others = Map.of("jpeg420-orient-6.jpg", 6, "png-orient-8.png", 8,
                "png-rawprofile-6.png", 6, "png-xmp-5.png", 5);
        for (String name : new TreeMap<>(others).keySet()) {
            assertEquals(others.get(name), ExifOrientation.read(DIR.resolve(name)), name);
            int diff = maxDiff(ImageFiles.read(DIR.resolve(name)), pil(name), name);
            System.out.printf("%-26s vs PIL (exif_transpose): max diff %d/255%n", name, diff);
            assertTrue(diff <= 1, name + " differs from PIL by " + diff + " levels");
        }
    }

    @Test
    void theEightTurnsAreTheDihedralGroup() {
        byte[] px = new byte[3 * 2 * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) i;
        }
        RgbImage img = new RgbImage(3, 2, px);
        // 6 then 8 (a quarter turn each way), 3 twice, and each mirror twice give the picture back
        assertTrue(Arrays.equals(px, ExifOrientation.apply(ExifOrientation.apply(img, 6), 8).rgb()));
        for (int n : new int[] {2, 3, 4, 5, 7}) {
            RgbImage twice = ExifOrientation.apply(ExifOrientation.apply(img, n), n);
            assertTrue(Arrays.equals(px, twice.rgb()), "orientation " + n + " twice");
        }
        assertEquals(2, ExifOrientation.apply(img, 6).width());
        assertTrue(Arrays.equals(px, ExifOrientation.apply(img, 9).rgb()), "unknown tags leave the picture");
    }

    @Test
    void animatedOrDamagedWebpIsOneSentence(@TempDir Path tmp) throws IOException {
        String animated = assertThrows(KinoException.class,
                () -> ImageFiles.read(DIR.resolve("webp-animated.webp"))).getMessage();
        assertTrue(animated.contains("animated WebP"), animated);
        Path cut = tmp.resolve("cut.webp");
        byte[] whole = Files.readAllBytes(DIR.resolve("webp-lossy.webp"));
        Files.write(cut, Arrays.copyOf(whole, 40));
        String damaged = assertThrows(KinoException.class, () -> ImageFiles.read(cut)).getMessage();
        assertTrue(damaged.contains("cannot be read"), damaged);
        Path text = tmp.resolve("notes.webp");
        Files.writeString(text, "RIFF but not a picture at all");
        String notPicture = assertThrows(KinoException.class, () -> ImageFiles.read(text)).getMessage();
        assertTrue(notPicture.contains("cannot be read"), notPicture);
        for (String m : new String[] {animated, damaged, notPicture}) {
            assertTrue(m.endsWith(".") && m.indexOf(". ") < 0, "one sentence: " + m);
        }
    }
}
