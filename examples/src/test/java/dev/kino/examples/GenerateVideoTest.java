package dev.kino.examples;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example runs as documented and writes a readable MP4, with the built-in model and with a package folder. */
class GenerateVideoTest {
    @Test
    void writesAnMp4WithTheBuiltInDemoModel(@TempDir Path tmp) throws Exception {
        Path out = GenerateVideo.generate(null, "a red circle moving right", tmp.resolve("example.mp4"));
        assertVideo(out, 64, 16);
    }

    @Test
    void writesAnMp4WithAModelFolder(@TempDir Path tmp) throws Exception {
        Path model = Path.of("..", "engine", "core", "src", "test", "resources", "fixtures", "unet3d-ddim");
        Path out = GenerateVideo.generate(model, "a red circle moving right", tmp.resolve("example.mp4"));
        assertVideo(out, 32, 4);
    }

    private static void assertVideo(Path mp4, int width, int frames) throws Exception {
        assertTrue(Files.size(mp4) > 0);
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile())) {
            g.start();
            assertEquals("h264", g.getVideoCodecName());
            assertEquals(width, g.getImageWidth());
            int n = 0;
            while (g.grabImage() != null) {
                n++;
            }
            assertEquals(frames, n);
        }
    }
}
