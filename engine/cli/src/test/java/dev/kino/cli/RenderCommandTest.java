package dev.kino.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kino render}: every take on the demo model, killed with SIGKILL midway and resumed, checked to the byte. */
class RenderCommandTest {
    @TempDir
    Path tmp;

    static final String LIST = """
            {"project": "resume", "seed": 11, "defaults": {"steps": 24, "takes": 3},
             "shots": [{"name": "a", "prompt": "a red circle moving right"},
                       {"name": "b", "prompt": "a green square moving up", "fps": 12}]}
            """;

    @Test
    void aKilledRenderResumesAndEveryTakeEqualsKinoGenerate() throws Exception {
        Path list = Files.writeString(tmp.resolve("shots.json"), LIST);
        Path out = tmp.resolve("out");
        List<Path> mp4s = new ArrayList<>();
        for (String shot : List.of("01-a", "02-b")) {
            for (int t = 1; t <= 3; t++) {
                mp4s.add(out.resolve(shot).resolve("take-0" + t + ".mp4"));
            }
        }

        // A real separate JVM, killed with SIGKILL as soon as its first take is complete (its record is written
        // after its MP4; a take with an MP4 but no record is rendered again).
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KinoCli.class.getName(),
                "render", list.toString(), "--out", out.toString(), "-q")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("first.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(record(mp4s.get(0))) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        p.destroyForcibly().waitFor();
        long before = mp4s.stream().map(RenderCommandTest::record).filter(Files::exists).count();
        assertTrue(before >= 1 && before < mp4s.size(), "killed midway: " + before + " takes done, "
                + Files.readString(tmp.resolve("first.log")));

        Cli.Run resumed = Cli.kino("render", list.toString(), "--out", out.toString(), "-q");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("Rendered " + (mp4s.size() - before) + " take"), resumed.out());
        assertTrue(resumed.out().contains("kept " + before + " already rendered"), resumed.out());

        // Every take is byte-equal to kino generate of the same request (seed from the record).
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < mp4s.size(); i += 4) { // takes 1 of a and 2 of b: one kept, one resumed
            Path mp4 = mp4s.get(i);
            var rec = json.readTree(record(mp4).toFile());
            var s = rec.path("settings");
            Path single = tmp.resolve("single-" + i + ".mp4");
            Cli.Run gen = Cli.kino("generate", s.path("prompt").asText(), "--steps", "24", "--seed",
                    Long.toString(rec.path("seed").asLong()), "--fps", Integer.toString(s.path("fps").asInt()),
                    "-o", single.toString(), "-q");
            assertEquals(0, gen.exitCode(), gen.err());
            assertArrayEquals(Files.readAllBytes(single), Files.readAllBytes(mp4), mp4 + " equals kino generate");
        }
        assertEquals(new GenerateCommandTest.Probe(16, 256, 256, 12.0, "h264"), GenerateCommandTest.probe(mp4s.get(4)));

        BufferedImage sheet = ImageIO.read(out.resolve(RenderCommand.SHEET).toFile());
        assertTrue(sheet.getWidth() >= 3 * ContactSheet.FRAMES_PER_TAKE * 96, "three takes across");
        String index = Files.readString(out.resolve(RenderCommand.INDEX));
        for (Path mp4 : mp4s) {
            assertTrue(index.contains("src=\"" + out.relativize(mp4) + "\""), "index shows " + mp4);
        }

        Cli.Run again = Cli.kino("render", list.toString(), "--out", out.toString(), "-q");
        assertTrue(again.out().contains("Rendered 0 takes, kept 6"), again.out());
    }

    private static Path record(Path mp4) {
        return mp4.resolveSibling(mp4.getFileName().toString().replace(".mp4", ".json"));
    }

    @Test
    void aListTheModelCannotMakeFailsBeforeAnythingIsWritten() throws Exception {
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "p", "shots": [{"name": "a", "prompt": "a red circle", "width": 128},
                                           {"name": "b", "prompt": "a blue circle", "frames": 9}]}
                """);
        Cli.Run run = Cli.kino("render", list.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("kino: The shot list " + list + " cannot be rendered as it is: shot a take 1: "), run.err());
        assertTrue(run.err().contains("; shot b take 1: "), run.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
        assertEquals(1, run.err().lines().count(), "one sentence: " + run.err());

        Files.writeString(list, "{\"project\": \"p\", \"shots\": [{\"name\": \"a\"}]}");
        Cli.Run bad = Cli.kino("render", list.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("line 1, shots[0]: \"prompt\" is missing"), bad.err());
        assertFalse(Files.exists(tmp.resolve("out")));
    }
}
