package dev.kino.cli;

import dev.kino.video.Mp4Reader;
import dev.kino.video.Mp4Writer;
import dev.kino.video.VideoFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * A run killed while it writes the MP4 (in a child JVM): SIGINT and SIGTERM leave no partial file; after
 * kill -9 the partial stays, and the next write into that folder removes it.
 */
class KilledWriterTest {
    @TempDir
    Path dir;

    private Process startWriter(Path out) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
                PartialWriterMain.class.getName(), out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    }

    private List<Path> partials() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".kino-partial")).toList();
        }
    }

    /** Starts the writer, waits until it is inside an MP4 write, sends {@code signal}, waits for the exit. */
    private Process killWhileWriting(String signal) throws Exception {
        Process child = startWriter(dir.resolve("out.mp4"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (partials().isEmpty() && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(child.isAlive() && !partials().isEmpty(), "the child is writing: " + log());
        Thread.sleep(300); // well inside the encode (seconds long)
        new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).start().waitFor();
        if (!child.waitFor(20, TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor();
            assumeFalse(signal.equals("INT"), "SIGINT is ignored in this environment (a background job)");
            throw new AssertionError("the child did not exit on SIG" + signal);
        }
        return child;
    }

    private String log() throws IOException {
        Path log = dir.resolve("child.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Test
    void sigtermRemovesThePartialFile() throws Exception {
        killWhileWriting("TERM");
        assertEquals(List.of(), partials(), log());
        assertOutputCompleteOrAbsent();
    }

    @Test
    void sigintRemovesThePartialFile() throws Exception {
        killWhileWriting("INT");
        assertEquals(List.of(), partials(), log());
        assertOutputCompleteOrAbsent();
    }

    @Test
    void afterKill9TheNextRunRemovesTheStalePartial() throws Exception {
        killWhileWriting("KILL");
        List<Path> stale = partials();
        assertEquals(1, stale.size(), "kill -9 runs no cleanup: " + stale);
        Mp4Writer.write(new VideoFrames(16, 16, List.of(new byte[16 * 16 * 3])), 8, dir.resolve("next.mp4"), 1);
        assertFalse(Files.exists(stale.get(0)), "the stale partial of the killed run is gone");
        assertEquals(List.of(), partials());
    }

    private void assertOutputCompleteOrAbsent() {
        Path out = dir.resolve("out.mp4");
        if (Files.exists(out)) {
            assertEquals(120, Mp4Reader.read(out).frames().count());
        }
    }
}
