package dev.kino.sweep.io;

import dev.kino.video.VideoFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class FrameStripTest {

    private static VideoFrames randomVideo(int frames, int w, int h) {
        Random random = new Random(5);
        List<byte[]> list = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            byte[] f = new byte[w * h * 3];
            random.nextBytes(f);
            list.add(f);
        }
        return new VideoFrames(w, h, list);
    }

    @Test
    void aStripOfEveryFrameReadsBackBitForBit(@TempDir Path dir) throws Exception {
        VideoFrames video = randomVideo(5, 12, 8);
        Path file = dir.resolve("frames.png");
        FrameStrip.write(file, video, FrameStrip.evenlySpaced(5, 5));
        VideoFrames back = FrameStrip.read(file, 5);
        assertEquals(12, back.width());
        assertEquals(8, back.height());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(video.frame(i), back.frame(i), "frame " + i);
        }
    }

    @Test
    void aContactStripHoldsTheChosenFramesSideBySide(@TempDir Path dir) throws Exception {
        VideoFrames video = randomVideo(16, 6, 4);
        Path file = dir.resolve("strip.png");
        FrameStrip.write(file, video, FrameStrip.evenlySpaced(16, 8));
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(8 * 6, image.getWidth());
        assertEquals(4, image.getHeight());
    }

    @Test
    void evenlySpacedFramesRunFromFirstToLast() {
        assertArrayEquals(new int[] {0, 2, 4, 6, 9, 11, 13, 15}, FrameStrip.evenlySpaced(16, 8));
        assertArrayEquals(new int[] {0, 1, 2}, FrameStrip.evenlySpaced(3, 8));
        assertArrayEquals(new int[] {0}, FrameStrip.evenlySpaced(1, 8));
    }
}
