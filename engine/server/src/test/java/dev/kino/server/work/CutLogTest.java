package dev.kino.server.work;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Building a cut prints nothing of FFmpeg's own chatter (stream details, encoder statistics) to the server's log. */
class CutLogTest {
    @TempDir
    Path tmp;

    @Test
    void aCutIsQuiet() throws Exception {
        assertEquals("", run("write"));
        assertEquals("cut 16 frames", run("cut"), "the cut printed only its own line");
    }

    private String run(String mode) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CutMain.class.getName(), mode, tmp.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.trim();
    }
}
