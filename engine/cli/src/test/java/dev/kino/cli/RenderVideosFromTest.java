package dev.kino.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kino render} with a shot whose source video is another shot's chosen take ({@code source_video_from}),
 * on the built-in demo model (it has a VAE encoder): ordering, the take equal to {@code kino generate
 * --source-video}, resume, and one sentence for cycles, missing shots and a file given twice.
 */
class RenderVideosFromTest {
    @TempDir
    Path tmp;

    @Test
    void aShotRestylesAnotherShotsPickedTakeRenderedFirst() throws Exception {
        // The restyle comes first in the cut, so the render order is not the list's order.
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "restyle", "defaults": {"steps": 3},
                 "shots": [{"name": "blue", "prompt": "a blue circle moving right", "source_video_from": "red",
                            "strength": 0.6, "seeds": [9]},
                           {"name": "red", "prompt": "a red circle moving right", "seeds": [1, 2], "pick": 2}]}
                """);
        Path out = tmp.resolve("out");
        Cli.Run run = Cli.kino("render", list.toString(), "--out", out.toString(), "-q");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("Rendered 3 takes"), run.out());

        Path red2 = out.resolve("02-red/take-02.mp4");
        Path single = tmp.resolve("single-blue.mp4");
        Cli.Run gen = Cli.kino("generate", "a blue circle moving right", "--steps", "3", "--seed", "9",
                "--source-video", red2.toString(), "--strength", "0.6", "-o", single.toString(), "-q");
        assertEquals(0, gen.exitCode(), gen.err());
        assertArrayEquals(Files.readAllBytes(single), Files.readAllBytes(out.resolve("01-blue/take-01.mp4")),
                "the restyle equals kino generate on take 2 of \"red\"");
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(red2), Files.readAllBytes(single)), "it was restyled");

        Cli.Run again = Cli.kino("render", list.toString(), "--out", out.toString(), "-q");
        assertTrue(again.out().contains("Rendered 0 takes, kept 3"), again.out());
    }

    @Test
    void cyclesMissingShotsAndAVideoGivenTwiceAreOneSentenceBeforeAnyWork() throws Exception {
        Files.writeString(tmp.resolve("rough.mp4"), "x");
        String[][] cases = {
                {"""
                 [{"name": "a", "prompt": "x", "source_video_from": "b"},
                  {"name": "b", "prompt": "y", "control_video_from": "a"}]""",
                        "shots[0].source_video_from: the shots a, b need one another's takes in a circle"},
                {"""
                 [{"name": "window", "prompt": "x", "source_video_from": "ropes"}, {"name": "rope", "prompt": "y"}]""",
                        "shots[0].source_video_from: \"ropes\" is not a shot of this list (did you mean \"rope\"?)"},
                {"""
                 [{"name": "a", "prompt": "x", "control_video_from": "a"}]""",
                        "shots[0].control_video_from: names the shot itself"},
                {"""
                 [{"name": "a", "prompt": "x"},
                  {"name": "b", "prompt": "y", "source_video": "rough.mp4", "source_video_from": "a"}]""",
                        "shots[1]: gives both \"source_video\" and \"source_video_from\""},
        };
        for (String[] c : cases) {
            Path list = Files.writeString(tmp.resolve("bad.json"), "{\"project\": \"p\", \"shots\": " + c[0] + "}");
            Path out = tmp.resolve("never");
            Cli.Run run = Cli.kino("render", list.toString(), "--out", out.toString(), "-q");
            assertEquals(1, run.exitCode(), run.err());
            assertTrue(run.err().contains(c[1]), run.err());
            assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run.err());
            assertFalse(Files.exists(out.resolve("01-a")), "nothing rendered");
        }
    }
}
