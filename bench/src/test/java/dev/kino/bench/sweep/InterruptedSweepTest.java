package dev.kino.bench.sweep;

import dev.kino.bench.Bench;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sweep killed mid-run (SIGKILL, no shutdown hooks) keeps every cell that finished; the re-run redoes the rest. */
class InterruptedSweepTest {

    private static String[] args(Path out) {
        return new String[] {"sweep", "--model", Bench.fixture(Bench.UNET).toString(), "--prompt",
                "a red circle moving right", "--schedulers", "ddim,euler", "--steps", "1,2,3,4,5,6,7,8,9,10,11,12",
                "--reference-steps", "16", "--repeats", "3", "--device", "cpu", "--out", out.toString(), "--quiet"};
    }

    @Test
    void killedMidSweepItLosesNothingThatFinished(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("sweep");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                "dev.kino.bench.BenchCli"));
        command.addAll(List.of(args(out)));
        Process sweep = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("log.txt").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (finished(out).size() < 3 && sweep.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        sweep.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Map<Path, FileTime> survived = finished(out);
        assertFalse(Files.exists(out.resolve("report.html")), "the sweep finished before it could be killed:\n"
                + Files.readString(tmp.resolve("log.txt")));
        assertTrue(survived.size() >= 3 && survived.size() < 24, survived.size() + " cells finished");

        Bench.Run resumed = Bench.ok(args(out));
        assertTrue(resumed.out().contains("Ran " + (24 - survived.size()) + " runs, reused " + (survived.size() + 1)),
                resumed.out());
        survived.forEach((file, time) -> {
            try {
                assertEquals(time, Files.getLastModifiedTime(file), file + " was redone");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(1 + 1 + 24, Files.readAllLines(out.resolve("results.csv")).size());
    }

    /**
     * Finished cells (their result.json, the last file a cell writes) and when they were written. Only the
     * cell folders are listed: the sweep may be renaming temporary files inside them meanwhile.
     */
    private static Map<Path, FileTime> finished(Path out) throws IOException {
        Map<Path, FileTime> found = new HashMap<>();
        Path cells = out.resolve("cells");
        if (!Files.isDirectory(cells)) {
            return found;
        }
        try (Stream<Path> dirs = Files.list(cells)) {
            for (Path dir : dirs.toList()) {
                Path result = dir.resolve("result.json");
                if (Files.isRegularFile(result)) {
                    found.put(result, Files.getLastModifiedTime(result));
                }
            }
        }
        return found;
    }
}
