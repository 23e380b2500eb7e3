package dev.kino.cli;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kino.video.Mp4Reader;
import dev.kino.video.VideoFrames;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --image, --last-image, --continue-from and --fit on the tiny Wan image-to-video packages and the demo model. */
class ImageOptionsTest {
    private static final Path I2V = Fixtures.testResources().resolve("wan-i2v");

    @TempDir
    Path tmp;

    private static String picture(String name) {
        return I2V.resolve("reference").resolve("images").resolve(name + ".png").toString();
    }

    private Cli.Run generate(String model, Path out, String... extra) {
        String[] base = {"generate", "a red fox", "--model", model, "-o", out.toString(), "-q", "--steps", "1"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Cli.kino(args);
    }

    private void assertOneSentence(Cli.Run run, Path out, String expected) {
        assertTrue(run.exitCode() != 0, "non-zero exit");
        String err = run.err().strip();
        assertTrue(err.startsWith("kino: ") && err.contains(expected), err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace: " + err);
        assertFalse(Files.exists(out), "nothing written");
    }

    /**
     * The two commands with the built-in model, as a user types them: the second shot's first frame is
     * (nearly) the first shot's last one: at most half as different from it as the first shot's own first frame
     * (the object 25 px away; measured 2.3 against 8.7 mean levels at 64x64).
     * (Positions, colours and directions over a grid: DemoContinuationTest in bench.)
     */
    @Test
    void theBuiltInModelContinuesAShot() {
        Path a = tmp.resolve("a.mp4");
        Path b = tmp.resolve("b.mp4");
        Cli.Run one = Cli.kino("generate", "a red circle moving right", "-o", a.toString(), "-q");
        assertEquals(0, one.exitCode(), one.err());
        Cli.Run two = Cli.kino("generate", "a red circle moving down", "--continue-from", a.toString(), "-o",
                b.toString(), "-q");
        assertEquals(0, two.exitCode(), two.err());
        VideoFrames first = Mp4Reader.read(a).frames();
        VideoFrames second = Mp4Reader.read(b).frames();
        byte[] end = first.frame(first.count() - 1);
        double acrossTheCut = meanAbsDiff(end, second.frame(0));
        double withinShotOne = meanAbsDiff(end, first.frame(0));
        assertTrue(acrossTheCut < withinShotOne / 2, "across the cut " + acrossTheCut + ", shot 1 start to end "
                + withinShotOne);
    }

    private static double meanAbsDiff(byte[] x, byte[] y) {
        long sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += Math.abs((x[i] & 0xff) - (y[i] & 0xff));
        }
        return sum / (double) x.length;
    }

    @Test
    void shotsChainThroughTheLastFrame() {
        String model = I2V.resolve("tiny-wan21-i2v").toString();
        Path first = tmp.resolve("a.mp4");
        Cli.Run one = generate(model, first, "--image", picture("first"), "--fit", "pad");
        assertEquals(0, one.exitCode(), one.err());
        assertTrue(Files.exists(first));
        Path second = tmp.resolve("b.mp4");
        Cli.Run two = generate(model, second, "--continue-from", first.toString());
        assertEquals(0, two.exitCode(), two.err());
        assertTrue(Files.exists(second));
    }

    @Test
    void badPictureInputsAreOneSentenceAndWriteNothing() throws Exception {
        Path out = tmp.resolve("out.mp4");
        String i2v = I2V.resolve("tiny-wan21-i2v").toString();
        String t2v = Fixtures.testResources().resolve("wan").resolve("tiny-wan21").toString();
        assertOneSentence(generate(t2v, out, "--image", picture("first")), out, "text only");
        assertOneSentence(generate(i2v, out), out, "--image");
        assertOneSentence(generate(i2v, out, "--image", picture("first"), "--last-image", picture("last")), out,
                "cannot end on a given frame");
        Path junk = tmp.resolve("junk.png");
        Files.writeString(junk, "not a picture");
        assertOneSentence(generate(i2v, out, "--image", junk.toString()), out, "cannot be read");
        assertOneSentence(generate(i2v, out, "--image", picture("first"), "--fit", "squash"), out,
                "--fit must be one of crop, pad, stretch, not \"squash\".");
        assertOneSentence(generate(i2v, out, "--continue-from", tmp.resolve("none.mp4").toString()), out,
                "does not exist");
    }

    @Test
    void infoSaysWhichPicturesAModelTakes() {
        Cli.Run flf = Cli.kino("info", "--model", I2V.resolve("tiny-wan21-flf2v").toString());
        assertEquals(0, flf.exitCode(), flf.err());
        assertTrue(flf.out().contains("Pictures   first frame required (--image or --continue-from), last frame required"),
                flf.out());
        Cli.Run ti2v = Cli.kino("info", "--model", I2V.resolve("tiny-wan22-ti2v").toString());
        assertTrue(ti2v.out().contains("first frame optional") && ti2v.out().contains("timestep 0"), ti2v.out());
        Cli.Run t2v = Cli.kino("info", "--model", Fixtures.testResources().resolve("wan").resolve("tiny-wan21").toString());
        assertTrue(t2v.out().contains("Pictures   none (text to video only)"), t2v.out());
    }
}
