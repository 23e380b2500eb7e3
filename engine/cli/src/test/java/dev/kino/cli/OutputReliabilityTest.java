package dev.kino.cli;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kino generate}'s outputs: default names, links, earlier frames, long names, encoder limits. */
class OutputReliabilityTest {
    @TempDir
    Path tmp;

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void defaultNamesKeepEveryScriptReadable() {
        assertEquals(Path.of("東京の夜の雨.mp4"), OutputTarget.defaultName("東京の夜の雨"));
        assertEquals(Path.of("красный-круг.mp4"), OutputTarget.defaultName("Красный круг!"));
        assertEquals(Path.of("a-red-circle-moving-right.mp4"), OutputTarget.defaultName("A red circle, moving right!"));
        assertEquals(Path.of("kino.mp4"), OutputTarget.defaultName("→ ✨"));
        String longCjk = "雨".repeat(100);
        assertTrue(OutputTarget.defaultName(longCjk).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                <= 204, "short enough for any file system");
    }

    @Test
    void aDefaultNamedVideoNeverReplacesAnEarlierOne() throws Exception {
        // Two prompts that agree on their first 60 characters get the same default name; run in a child JVM so
        // the working folder (where default names go) is a fresh one.
        Map<String, String> env = Map.of("KINO_CACHE", Path.of("target", "kino-cache").toAbsolutePath().toString());
        String model = Fixtures.dir(Fixtures.UNET).toString();
        String prefix = "a red circle moving right across a wide empty field at dawn, slowly ";
        ChildKino.Run first = ChildKino.run(tmp, List.of(), env, "generate", prefix + "one", "--model", model,
                "--steps", "1", "--upscale", "1", "-q");
        assertEquals(0, first.exitCode(), first.output());
        List<String> files = names(tmp);
        assertEquals(1, files.size(), files.toString());
        byte[] earlier = Files.readAllBytes(tmp.resolve(files.get(0)));
        ChildKino.Run second = ChildKino.run(tmp, List.of(), env, "generate", prefix + "two", "--model", model,
                "--steps", "1", "--upscale", "1", "-q", "--seed", "5");
        assertEquals(0, second.exitCode(), second.output());
        String stem = files.get(0).replace(".mp4", "");
        assertEquals(List.of(stem + "-2.mp4", stem + ".mp4"), names(tmp));
        assertTrue(Arrays.equals(earlier, Files.readAllBytes(tmp.resolve(files.get(0)))), "the earlier video is intact");
        assertTrue(second.output().contains("already exists, so this video is " + stem + "-2.mp4"), second.output());
    }

    @Test
    void aSymlinkedOutputIsWrittenThroughAndSaysSo() throws Exception {
        Path store = Files.createDirectory(tmp.resolve("store"));
        Path link = Files.createSymbolicLink(tmp.resolve("latest.mp4"), store.resolve("clip.mp4"));
        Cli.Run run = Cli.kino("generate", "a red circle", "--model", Fixtures.dir(Fixtures.UNET).toString(),
                "--steps", "1", "--upscale", "1", "-o", link.toString(), "-q");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals(4, GenerateCommandTest.probe(store.resolve("clip.mp4")).frames());
        assertTrue(run.err().contains("is a symbolic link; the video went to the file it points to"), run.err());
    }

    @Test
    void framesDirWithAnEarlierRunRemovesOnlyKinosOldFramesAndSaysSo() throws Exception {
        Path frames = Files.createDirectory(tmp.resolve("frames"));
        for (int i = 0; i < 100; i++) {
            Files.writeString(frames.resolve(String.format("frame_%04d.png", i)), "old");
        }
        Files.writeString(frames.resolve("notes.txt"), "keep me");
        Cli.Run run = Cli.kino("generate", "a blue square", "--model", Fixtures.dir(Fixtures.DIT_FLOW).toString(),
                "--steps", "1", "-o", tmp.resolve("v.mp4").toString(), "--frames-dir", frames.toString(), "-q");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of("frame_0000.png", "frame_0001.png", "frame_0002.png", "frame_0003.png",
                "frame_0004.png", "notes.txt"), names(frames));
        assertTrue(run.out().contains("Removed 95 frames of an earlier run there (frame_0005.png to frame_0099.png)"),
                run.out());
        assertEquals("keep me", Files.readString(frames.resolve("notes.txt")));
    }

    @Test
    void aFileNameLongerThanTheSystemAllowsIsRefusedBeforeRendering() {
        Path out = tmp.resolve("a".repeat(252) + ".mp4");
        Cli.Run run = Cli.kino("generate", "a red circle", "--model", Fixtures.dir(Fixtures.UNET).toString(),
                "-o", out.toString(), "-q");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("kino: The output file name is 256 bytes long"), run.err());
        assertFalse(run.err().contains("Model "), "refused before the model loads: " + run.err());
    }

    @Test
    void sizesTheEncoderRefusesAreRefusedBeforeRendering() throws Exception {
        Cli.Run tiny = Cli.kino("generate", "a red circle", "--model", Fixtures.dir(Fixtures.UNET).toString(),
                "--height", "8", "--upscale", "1", "-o", tmp.resolve("t.mp4").toString(), "-q");
        assertEquals(1, tiny.exitCode(), tiny.err());
        assertTrue(tiny.err().contains("at least 16 pixels per side"), tiny.err());
        assertFalse(tiny.err().contains("Denoising") || tiny.out().contains("Wrote"), tiny.err());
        assertEquals(List.of(), names(tmp));
        assertEquals(2, Report.upscaleFactor("auto", 4096, 16), "4096x16 is not blown up to 32768x128");
        dev.kino.KinoException e = org.junit.jupiter.api.Assertions.assertThrows(dev.kino.KinoException.class,
                () -> Report.upscaleFactor("8", 4096, 16));
        assertTrue(e.getMessage().contains("use --upscale from 1 to 2"), e.getMessage());
    }
}
