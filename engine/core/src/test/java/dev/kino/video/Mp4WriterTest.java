package dev.kino.video;

import dev.kino.KinoException;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Mp4WriterTest {

    /** A white 8x8 square on black moving 2 px per frame to the right. */
    static VideoFrames movingSquare(int width, int height, int frames) {
        List<byte[]> list = new ArrayList<>();
        for (int f = 0; f < frames; f++) {
            byte[] rgb = new byte[width * height * 3];
            for (int y = 8; y < 16; y++) {
                for (int x = 4 + 2 * f; x < 12 + 2 * f && x < width; x++) {
                    int p = (y * width + x) * 3;
                    rgb[p] = (byte) 255;
                    rgb[p + 1] = (byte) 255;
                    rgb[p + 2] = (byte) 255;
                }
            }
            list.add(rgb);
        }
        return new VideoFrames(width, height, list);
    }

    @Test
    void writesH264Yuv420pThatReadsBackWithFramesSizeAndFps(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("clip.mp4");
        Mp4Writer.Written w = Mp4Writer.write(movingSquare(48, 32, 12), 8, out, 1);
        assertEquals(out, w.path());
        assertTrue(Files.size(out) > 0);
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(out.toFile())) {
            grabber.start();
            assertEquals("h264", grabber.getVideoCodecName());
            assertEquals(48, grabber.getImageWidth());
            assertEquals(32, grabber.getImageHeight());
            assertEquals(8.0, grabber.getFrameRate(), 1e-6);
            int stream = grabber.getFormatContext().streams(0).codecpar().format();
            assertEquals(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P, stream);
            int frames = 0;
            double lastCentroid = -1;
            Java2DFrameConverter conv = new Java2DFrameConverter();
            Frame f;
            while ((f = grabber.grabImage()) != null) {
                BufferedImage img = conv.convert(f);
                double sum = 0;
                double count = 0;
                for (int y = 0; y < img.getHeight(); y++) {
                    for (int x = 0; x < img.getWidth(); x++) {
                        if ((img.getRGB(x, y) & 0xff) > 128) {
                            sum += x;
                            count++;
                        }
                    }
                }
                double centroid = sum / count;
                assertTrue(centroid > lastCentroid, "the square moves right in the decoded video");
                lastCentroid = centroid;
                frames++;
            }
            assertEquals(12, frames);
        }
        byte[] bytes = Files.readAllBytes(out);
        String ascii = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(ascii.indexOf("moov") >= 0 && ascii.indexOf("moov") < ascii.indexOf("mdat"),
                "+faststart puts the moov index before the media data");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList(), "no temporary file is left beside the output");
        }
    }

    @Test
    void upscalesWithTheRequestedFactor(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("big.mp4");
        Mp4Writer.write(movingSquare(32, 32, 4), 8, out, 4);
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(out.toFile())) {
            grabber.start();
            assertEquals(128, grabber.getImageWidth());
            assertEquals(128, grabber.getImageHeight());
        }
    }

    @Test
    void failedWriteLeavesNothingAtTheOutputPath(@TempDir Path dir) {
        Path out = dir.resolve("missing-folder").resolve("clip.mp4");
        KinoException e = assertThrows(KinoException.class, () -> Mp4Writer.write(movingSquare(32, 32, 2), 8, out, 1));
        assertTrue(e.getMessage().startsWith("Could not write the video"), e.getMessage());
        assertFalse(Files.exists(out));
    }
}
