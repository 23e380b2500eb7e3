package dev.kino.server;

import dev.kino.KinoException;
import dev.kino.runtime.Device;
import dev.kino.server.work.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data folder belongs to one server at a time (a second one, in this JVM or another process, refuses in one
 * sentence; kill -9 of the holder frees it), is owner-only, and is cleaned of what a killed server half-wrote.
 */
class DataFolderTest {
    @TempDir
    Path tmp;

    private static ServerConfig config(Path data) {
        return new ServerConfig("127.0.0.1", 0, List.of(Device.CPU), data, null, Workers.Settings.DEFAULT);
    }

    @Test
    void aSecondServerInThisJvmRefusesUntilTheFirstStops() {
        Path data = tmp.resolve("data");
        try (KinoServer first = KinoServer.start(config(data))) {
            KinoException e = assertThrows(KinoException.class, () -> KinoServer.start(config(data)));
            assertEquals("Another Kino server (process " + ProcessHandle.current().pid() + ") is using the data folder "
                    + data.toAbsolutePath().normalize() + "; stop it, or give this one another --data folder.", e.getMessage());
            assertTrue(first.port() > 0);
        }
        KinoServer.start(config(data)).close(); // the first one's close released it
    }

    @Test
    void aServerInAnotherProcessHoldsTheFolderUntilItIsKilledWithSigkill() throws Exception {
        Path data = tmp.resolve("data");
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HoldingServer.class.getName(), data.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream()));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("ready")) {
                // the child's start-up chatter
            }
            assertTrue(line != null, "the child server started");
            KinoException e = assertThrows(KinoException.class, () -> KinoServer.start(config(data)));
            assertTrue(e.getMessage().startsWith("Another Kino server (process " + holder.pid() + ") is using the data"
                    + " folder "), e.getMessage());
            holder.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
            try (KinoServer next = KinoServer.start(config(data))) {
                assertTrue(next.port() > 0, "the kernel dropped the killed server's lock");
            }
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void theFolderAndDatabaseAreOwnerOnlyAndLeftoverPartialsAreRemoved() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x")); // as older Kinos left it
        Path cut = Files.createDirectories(data.resolve("videos")).resolve(".cut-p-0123456789abcdef.mp4.partial");
        Path upload = Files.createDirectories(data.resolve("pictures")).resolve(".upload-123.partial");
        Path ckpt = Files.createDirectories(data.resolve("checkpoints")).resolve("j-0123456789abcdef.ckpt.partial");
        Path keep = data.resolve("videos").resolve("j-0123456789abcdef.mp4");
        for (Path p : List.of(cut, upload, ckpt, keep)) {
            Files.writeString(p, "half");
        }
        try (KinoServer s = KinoServer.start(config(data))) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
            for (String f : List.of("kino.db", "kino.db-wal", "token", "lock", "reserve")) {
                if (Files.exists(data.resolve(f))) {
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(f))), f);
                }
            }
            assertTrue(Files.exists(data.resolve("kino.db")));
            for (Path p : List.of(cut, upload, ckpt)) {
                assertFalse(Files.exists(p), p + " is removed at start");
            }
            assertTrue(Files.exists(keep), "finished files stay");
        }
    }

    @Test
    void listeningBeyondThisMachineWarnsAndTheBrowserUrlIsOneToOpen() {
        assertNull(KinoServer.exposureWarning("127.0.0.1"));
        assertNull(KinoServer.exposureWarning("localhost"));
        assertNull(KinoServer.exposureWarning("::1"));
        String w = KinoServer.exposureWarning("0.0.0.0");
        assertTrue(w.startsWith("Warning: --host 0.0.0.0 lets other machines reach this server") && w.endsWith(".")
                && w.indexOf(". ") < 0, w);
        assertEquals("http://127.0.0.1:8188/", KinoServer.browserUrl("0.0.0.0", 8188));
        assertEquals("http://127.0.0.1:8188/", KinoServer.browserUrl("::", 8188));
        assertEquals("http://127.0.0.1:8188/", KinoServer.browserUrl("127.0.0.1", 8188));
        assertEquals("http://[::1]:8188/", KinoServer.browserUrl("::1", 8188));
    }
}
