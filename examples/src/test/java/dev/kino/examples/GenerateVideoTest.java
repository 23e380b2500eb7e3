package dev.kino.examples;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example runs as documented, on the engine's fixture model, and writes a readable MP4. */
class GenerateVideoTest {
    @Test
    void writesAnMp4(@TempDir Path tmp) throws Exception {
        Path model = Path.of("..", "engine", "src", "test", "resources", "fixtures", "unet3d-ddim");
        Path out = GenerateVideo.generate(model, "a red circle moving right", tmp.resolve("example.mp4"));
        assertTrue(Files.size(out) > 0);
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(out.toFile())) {
            g.start();
            assertEquals("h264", g.getVideoCodecName());
            assertEquals(32, g.getImageWidth());
        }
    }
}
