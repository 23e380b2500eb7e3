package dev.kino.video;

import dev.kino.KinoException;
import dev.kino.image.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LastFrameTest {

    @Test
    void readsTheLastDecodedFrame(@TempDir Path dir) {
        Path out = dir.resolve("clip.mp4");
        Mp4Writer.write(Mp4WriterTest.movingSquare(48, 32, 12), 8, out, 1);
        RgbImage last = LastFrame.read(out);
        assertEquals(48, last.width());
        assertEquals(32, last.height());
        double sum = 0;
        double count = 0;
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 48; x++) {
                if (last.at(x, y, 0) > 128) {
                    sum += x;
                    count++;
                }
            }
        }
        // frame 11's square spans x = 26..33 (frame 10's 24..31): the centroid tells them apart
        assertEquals(29.5, sum / count, 0.5);
    }

    @Test
    void aFileThatIsNoVideoIsOneSentence(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("previous.mp4");
        Files.writeString(junk, "no video here");
        KinoException e = assertThrows(KinoException.class, () -> LastFrame.read(junk));
        assertTrue(e.getMessage().contains("cannot be read as a video"), e.getMessage());
        KinoException missing = assertThrows(KinoException.class, () -> LastFrame.read(dir.resolve("none.mp4")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }
}
