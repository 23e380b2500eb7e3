package dev.kino.cli;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * ONNX Runtime's native library is unpacked once into Kino's cache, never per run into java.io.tmpdir; with no
 * room anywhere the run says so in one sentence. Each run is a fresh JVM (the library loads once per process).
 */
class NativeLibraryTest {
    @TempDir
    Path tmp;

    private ChildKino.Run kino(Path javaTmp, Path cache, String... args) throws Exception {
        return ChildKino.run(tmp, List.of("-Djava.io.tmpdir=" + javaTmp), java.util.Map.of("KINO_CACHE", cache.toString()),
                args);
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void theLibraryIsUnpackedOnceIntoTheCacheAndNothingIsLeftInTmp() throws Exception {
        Path javaTmp = Files.createDirectory(tmp.resolve("tmp"));
        Path cache = tmp.resolve("cache");
        String model = Fixtures.dir(Fixtures.UNET).toString();
        ChildKino.Run first = kino(javaTmp, cache, "info", "--model", model);
        assertEquals(0, first.exitCode(), first.output());
        assertEquals(List.of(), list(javaTmp), "nothing left in java.io.tmpdir");
        List<Path> unpacked = list(cache.resolve("native"));
        assertEquals(1, unpacked.size(), unpacked.toString());
        Path lib = unpacked.get(0).resolve(System.mapLibraryName("onnxruntime"));
        long modified = Files.getLastModifiedTime(lib).toMillis();
        ChildKino.Run second = kino(javaTmp, cache, "info", "--model", model);
        assertEquals(0, second.exitCode(), second.output());
        assertEquals(modified, Files.getLastModifiedTime(lib).toMillis(), "the second run reuses the library");
        assertEquals(List.of(), list(javaTmp));
    }

    @Test
    void noRoomForTheLibraryIsOneSentence() throws Exception {
        Path full = Files.createDirectory(tmp.resolve("full"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", full.toString())
                .redirectErrorStream(true).start();
        String log = new String(mount.getInputStream().readAllBytes());
        assumeTrue(mount.waitFor() == 0, "cannot mount a tmpfs here (needs root): " + log.strip());
        try {
            Files.write(full.resolve("filler"), new byte[60 * 1024]);
            ChildKino.Run run = kino(full, full.resolve("cache"), "info", "--model", Fixtures.dir(Fixtures.UNET).toString());
            assertEquals(1, run.exitCode(), run.output());
            String out = run.output().strip();
            assertTrue(out.startsWith("kino: ONNX Runtime's native library could not be loaded"), out);
            assertTrue(out.contains("KINO_CACHE"), out);
            assertEquals(1, out.lines().count(), "one sentence, no trace: " + out);
            assertFalse(out.contains("Exception"), out);
        } finally {
            new ProcessBuilder("umount", full.toString()).inheritIO().start().waitFor();
        }
    }
}
