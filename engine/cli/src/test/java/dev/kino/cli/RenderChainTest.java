package dev.kino.cli;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kino render} with pictures and {@code continue_from}, on the tiny Wan 2.1 image-to-video package. */
class RenderChainTest {
    private static final Path I2V = Fixtures.testResources().resolve("wan-i2v");

    @TempDir
    Path tmp;

    @Test
    void aContinuationRendersAfterItsSourceFromThePickedTakesLastFrame() throws Exception {
        Path model = I2V.resolve("tiny-wan21-i2v");
        Files.copy(I2V.resolve("reference/images/first.png"), tmp.resolve("board.png"));
        // The continuation comes first in the cut, so the render order is not the list's order.
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "chain", "defaults": {"model": "%s", "steps": 1},
                 "shots": [{"name": "after", "prompt": "a red fox", "continue_from": "before", "seeds": [5]},
                           {"name": "before", "prompt": "a red fox", "image": "board.png", "fit": "pad",
                            "seeds": [1, 2], "pick": 2}]}
                """.formatted(model.toString().replace("\\", "\\\\")));
        Path out = tmp.resolve("out");
        Cli.Run run = Cli.kino("render", list.toString(), "--out", out.toString(), "-q");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("Rendered 3 takes"), run.out());

        // Each take equals kino generate of the same request; the continuation starts from take 2 of "before".
        Path before2 = out.resolve("02-before/take-02.mp4");
        Path single = tmp.resolve("single-before.mp4");
        Cli.Run gen = Cli.kino("generate", "a red fox", "--model", model.toString(), "--steps", "1", "--seed", "2",
                "--image", tmp.resolve("board.png").toString(), "--fit", "pad", "-o", single.toString(), "-q");
        assertEquals(0, gen.exitCode(), gen.err());
        assertArrayEquals(Files.readAllBytes(single), Files.readAllBytes(before2));
        Path chained = tmp.resolve("single-after.mp4");
        gen = Cli.kino("generate", "a red fox", "--model", model.toString(), "--steps", "1", "--seed", "5",
                "--continue-from", before2.toString(), "--fit", "crop", "-o", chained.toString(), "-q");
        assertEquals(0, gen.exitCode(), gen.err());
        assertArrayEquals(Files.readAllBytes(chained), Files.readAllBytes(out.resolve("01-after/take-01.mp4")));

        Cli.Run again = Cli.kino("render", list.toString(), "--out", out.toString(), "-q");
        assertTrue(again.out().contains("Rendered 0 takes, kept 3"), again.out());

        // A new picture under the same name: its shot and the continuation are other takes now; nothing reused.
        Files.copy(I2V.resolve("reference/images/portrait.png"), tmp.resolve("board.png"),
                StandardCopyOption.REPLACE_EXISTING);
        Cli.Run changed = Cli.kino("render", list.toString(), "--out", out.toString(), "-q");
        assertEquals(0, changed.exitCode(), changed.err());
        assertTrue(changed.out().contains("Rendered 3 takes, kept 0"), changed.out());
    }

    @Test
    void aTextOnlyModelCannotContinueAShot() throws Exception {
        // the demo model continues shots since issue 13; a tiny Wan 2.1 text-to-video model does not
        Path t2v = Fixtures.testResources().resolve("wan").resolve("tiny-wan21");
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "p", "defaults": {"steps": 1, "model": "%s"},
                 "shots": [{"name": "a", "prompt": "a red circle"},
                           {"name": "b", "prompt": "a red circle moving down", "continue_from": "a"}]}
                """.formatted(t2v.toString().replace("\\", "\\\\")));
        Cli.Run run = Cli.kino("render", list.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("shot b continues from a, but its model") && run.err().contains("text only"),
                run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }
}
