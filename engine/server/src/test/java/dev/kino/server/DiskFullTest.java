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
 * A real full disk: the data folder lives on an 8 MiB tmpfs (mounting one needs root or password-less sudo, and a
 * container that allows mounts; elsewhere the test is skipped, saying why) that is filled to the last byte while a
 * job renders. While the disk is still full the
 * job shows as failed with a sentence about disk space, the next job stays queued and new submits answer 507; once
 * space is back the next job renders, the log names the real error (never "cannot rollback"), no half-written
 * checkpoint is left, the space reserve is back, and the failed job can be retried.
 */
class DiskFullTest {
    @TempDir
    Path tmp;
    private Path disk;
    private boolean mounted;
    private List<String> sudo;

    @BeforeEach
    void mount() throws Exception {
        disk = Files.createDirectories(tmp.resolve("disk"));
        // As root, or through password-less sudo as .ci/run itself uses when CI is not root.
        String out = "";
        for (List<String> prefix : List.of(List.<String>of(), List.of("sudo", "-n"))) {
            List<String> cmd = new java.util.ArrayList<>(prefix);
            cmd.addAll(List.of("mount", "-t", "tmpfs", "-o", "size=8m,mode=0777", "tmpfs", disk.toString()));
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                out += new String(p.getInputStream().readAllBytes());
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    sudo = prefix;
                    break;
                }
            } catch (IOException noSudo) {
                out += noSudo.getMessage();
            }
        }
        mounted = sudo != null;
        // Skipped, not failed, where mounting is impossible (an unprivileged container): the reason is printed.
        String reason = "a real full disk needs root (or password-less sudo) to mount a small tmpfs: " + out;
        if (!mounted) {
            System.err.println("DiskFullTest skipped: " + reason);
        }
        Assumptions.assumeTrue(mounted, reason);
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            List<String> cmd = new java.util.ArrayList<>(sudo);
            cmd.addAll(List.of("umount", "-l", disk.toString()));
            new ProcessBuilder(cmd).start().waitFor(30, TimeUnit.SECONDS);
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
            // Still full: the running job's next checkpoint cannot be written, and its failure must show anyway.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            JsonNode whileFull = s.call("GET", "/api/jobs/" + a, null).json();
            while (System.nanoTime() < until && whileFull.path("state").asText().equals("running")) {
                Thread.sleep(200);
                whileFull = s.call("GET", "/api/jobs/" + a, null).json();
            }
            assertEquals("failed", whileFull.path("state").asText(), "a full disk never leaves a job running: " + whileFull);
            String error = whileFull.path("error").asText();
            assertTrue(error.contains("disk") || error.contains("space"), error);
            assertTrue(error.endsWith("."), error);
            Thread.sleep(3000);
            assertEquals("queued", s.call("GET", "/api/jobs/" + b, null).json().path("state").asText(),
                    "no job starts while the disk is full");
            assertEquals(0, s.call("GET", "/api/health", null).json().path("running").asInt());
            TestServer.Reply refused = s.call("POST", "/api/jobs", "{\"prompt\": \"a green circle\", \"steps\": 2}");
            assertEquals(507, refused.status(), refused.body());
            Files.delete(filler);

            JsonNode failed = s.call("GET", "/api/jobs/" + a, null).json();
            assertEquals("failed", failed.path("state").asText(), failed.toString());
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
            assertEquals(1 << 20, Files.size(disk.resolve("data").resolve("reserve")), "the reserve is back");

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
