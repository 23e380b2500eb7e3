package dev.kino.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real full disk: the data folder lives on an 8 MiB tmpfs (mounting one needs root, which CI has; elsewhere the
 * test is skipped, saying why) that is filled to the last byte while a job renders. The job fails with a sentence
 * about disk space, the next job never stays {@code running} once space is back, the log names the real error
 * (never "cannot rollback"), no half-written checkpoint is left, and the failed job can be retried.
 */
class DiskFullTest {
    @TempDir
    Path tmp;
    private Path disk;
    private boolean mounted;

    @BeforeEach
    void mount() throws Exception {
        disk = Files.createDirectories(tmp.resolve("disk"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "a real full disk needs root to mount a small tmpfs (CI runs as root): " + out);
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", "-l", disk.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFullDiskFailsTheJobNeverStrandsTheNextAndTheJobCanBeRetried() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(new Tee(err, log), true));
        try (TestServer s = new TestServer(disk.resolve("data"), 1)) {
            String a = s.call("POST", "/api/jobs", "{\"prompt\": \"a red circle moving right\", \"steps\": 120, \"seed\": 1}")
                    .json().path("id").asText();
            String b = s.call("POST", "/api/jobs", "{\"prompt\": \"a blue square moving left\", \"steps\": 8, \"seed\": 2}")
                    .json().path("id").asText();
            s.await("/api/jobs/" + a, j -> j.path("step").asInt() >= 4, 60);

            Path filler = disk.resolve("filler");
            fill(filler);
            // Full for a while: the running job's next checkpoint cannot be written, the next job is claimed or not.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < until && s.call("GET", "/api/jobs/" + a, null).json().path("state").asText()
                    .equals("running")) {
                Thread.sleep(200);
            }
            Thread.sleep(3000);
            Files.delete(filler);

            JsonNode failed = s.await("/api/jobs/" + a, j -> !j.path("state").asText().equals("running"), 60);
            assertEquals("failed", failed.path("state").asText(), failed.toString());
            String error = failed.path("error").asText();
            assertTrue(error.contains("disk") || error.contains("space"), error);
            assertTrue(error.endsWith("."), error);
            JsonNode next = s.await("/api/jobs/" + b, j -> j.path("state").asText().matches("succeeded|failed"), 60);
            if (next.path("state").asText().equals("failed")) {
                assertTrue(next.path("error").asText().contains("disk") || next.path("error").asText().contains("space"),
                        next.toString());
            }
            try (Stream<Path> files = Files.walk(disk.resolve("data"))) {
                List<Path> partial = files.filter(p -> p.toString().endsWith(".partial")).toList();
                assertEquals(List.of(), partial, "no half-written checkpoint or video is left");
            }
            String printed = log.toString();
            assertFalse(printed.contains("cannot rollback"), printed);

            TestServer.Reply retried = s.call("POST", "/api/jobs/" + a + "/retry", null);
            assertEquals(200, retried.status(), "a failed job can be retried: " + retried.body());
            assertEquals("queued", retried.json().path("state").asText());
            assertEquals(409, s.call("POST", "/api/jobs/" + a + "/retry", null).status(), "only a failed or canceled job");
            JsonNode done = s.await("/api/jobs/" + a, j -> j.path("state").asText().equals("succeeded"), 240);
            assertEquals(2, done.path("attempts").asInt(), done.toString());
            assertTrue(done.path("error").isNull(), done.toString());
        } finally {
            System.setErr(err);
        }
    }

    /** Writes until the file system refuses another byte. */
    private static void fill(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int size = 1 << 20; size >= 1; size /= 2) {
                ByteBuffer buf = ByteBuffer.allocate(size);
                try {
                    while (true) {
                        buf.clear();
                        ch.write(buf);
                        ch.force(false);
                    }
                } catch (IOException full) {
                    // this size no longer fits: try a smaller one
                }
            }
        }
    }

    /** Copies what the server prints to the real stderr and keeps it for the assertions. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] bytes, int off, int len) throws IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
