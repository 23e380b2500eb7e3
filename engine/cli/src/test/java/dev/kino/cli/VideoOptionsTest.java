package dev.kino.cli;

import dev.kino.Fixtures;
import dev.kino.video.Mp4Reader;
import dev.kino.video.VideoFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * --source-video/--strength (video-to-video) with the built-in model, and the Wan VACE options on the tiny VACE
 * package, as a user types them; bad inputs are one sentence with nothing written. (Parity with diffusers:
 * VideoToVideoParityTest and VaceParityTest in engine/core; the restyle grid: DemoRestyleTest in bench.)
 */
class VideoOptionsTest {
    private static final Path VACE = Fixtures.testResources().resolve("wan-vace");

    @TempDir
    Path tmp;

    private void assertOneSentence(Cli.Run run, Path out, String expected) {
        assertTrue(run.exitCode() != 0, "non-zero exit");
        String err = run.err().strip();
        assertTrue(err.startsWith("kino: ") && err.contains(expected), err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace: " + err);
        assertFalse(Files.exists(out), "nothing written");
    }

    /** The restyle as typed: the blue clip has the source's frames and its object turned from red to blue. */
    @Test
    void theBuiltInModelRestylesAClip() {
        Path red = tmp.resolve("red.mp4");
        Path blue = tmp.resolve("blue.mp4");
        Cli.Run one = Cli.kino("generate", "a red circle moving right", "-o", red.toString(), "-q");
        assertEquals(0, one.exitCode(), one.err());
        Cli.Run two = Cli.kino("generate", "a blue circle moving right", "--source-video", red.toString(),
                "--strength", "0.6", "-o", blue.toString(), "-q");
        assertEquals(0, two.exitCode(), two.err());
        VideoFrames a = Mp4Reader.read(red).frames();
        VideoFrames b = Mp4Reader.read(blue).frames();
        assertEquals(a.count(), b.count(), "the source's frame count");
        int last = b.count() - 1;
        double redInRed = meanChannel(a, last, 0) - meanChannel(a, last, 2);
        double redInBlue = meanChannel(b, last, 0) - meanChannel(b, last, 2);
        assertTrue(redInRed > 0 && redInBlue < 0, "colour changed: red-minus-blue " + redInRed + " -> " + redInBlue);

        Path bad = tmp.resolve("bad.mp4");
        assertOneSentence(Cli.kino("generate", "a blue circle", "--source-video", red.toString(), "--strength", "0",
                "-o", bad.toString()), bad, "strength must be above 0");
        assertOneSentence(Cli.kino("generate", "a blue circle", "--source-video", red.toString(), "--strength", "1.5",
                "-o", bad.toString()), bad, "--strength must be a number from 0 to 1");
        assertOneSentence(Cli.kino("generate", "a blue circle", "--source-video", red.toString(), "--frames", "8",
                "-o", bad.toString()), bad, "has 16 frames but 8 were asked for");
    }

    /** The mean of channel c over the pixels that differ from the frame's median (the object). */
    private static double meanChannel(VideoFrames v, int frame, int c) {
        byte[] px = v.frame(frame);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < px.length; i += 3) {
            int bright = (px[i] & 0xff) + (px[i + 1] & 0xff) + (px[i + 2] & 0xff);
            if (bright > 150) {
                sum += px[i + c] & 0xff;
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    @Test
    void vaceOptionsReachTheModelAndBadOnesAreOneSentence() {
        String model = VACE.resolve("tiny-wan21-vace").toString();
        String ref = VACE.resolve("reference").resolve("images").resolve("ref_a.png").toString();
        Path out = tmp.resolve("vace.mp4");
        Cli.Run ok = Cli.kino("generate", "a red fox", "--model", model, "-o", out.toString(), "-q", "--steps", "1",
                "--reference-image", ref, "--reference-image", ref, "--conditioning-scale", "0.5");
        assertEquals(0, ok.exitCode(), ok.err());
        assertEquals(9, Mp4Reader.read(out).frames().count(), "the reference frames are not in the video");

        Path bad = tmp.resolve("bad.mp4");
        assertOneSentence(Cli.kino("generate", "a red fox", "--model",
                Fixtures.testResources().resolve("wan/tiny-wan21").toString(), "--reference-image", ref, "-o",
                bad.toString()), bad, "not a Wan VACE model");
        assertOneSentence(Cli.kino("generate", "a red fox", "--model", model, "--control-video", out.toString(),
                "--frames", "5", "-o", bad.toString()), bad, "control video has 9 frames");
    }
}
