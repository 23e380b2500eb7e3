package dev.kino.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import dev.kino.KinoException;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * Starts ONNX Runtime with its native library unpacked once into Kino's cache.
 *
 * <p>ONNX Runtime's Java binding otherwise copies its 22 MB library into a new {@code onnxruntime-java*} folder
 * of {@code java.io.tmpdir} in every process, removed only at a clean exit (a killed run leaves it; a full
 * temporary folder fails the start with a long trace). It reads the library from {@code onnxruntime.native.path}
 * when that is set (see its {@code ai.onnxruntime.OnnxRuntime} loader), so Kino unpacks the library into
 * {@code CACHE/native/onnxruntime-CRC/} (atomically; the CRC of the jar entries keys the version) and points
 * the property there. A property the user set is left alone.
 */
final class OrtNative {
    private static final String[] LIBRARIES = {"onnxruntime", "onnxruntime4j_jni"};
    /** ONNX Runtime's Java logger (java.util.logging holds loggers weakly: keep the configured one). */
    private static final java.util.logging.Logger ORT_LOG = java.util.logging.Logger.getLogger("ai.onnxruntime");
    private static OrtEnvironment env;

    private OrtNative() {
    }

    /** The process's ONNX Runtime environment; the first call unpacks (if needed) and loads the library. */
    static synchronized OrtEnvironment environment() {
        if (env != null) {
            return env;
        }
        ORT_LOG.setLevel(NativeLogs.verbose() ? java.util.logging.Level.INFO : java.util.logging.Level.OFF);
        String unpackProblem = null;
        if (System.getProperty("onnxruntime.native.path") == null) {
            try {
                Path dir = unpack(KinoCache.root().resolve("native"));
                if (dir != null) {
                    System.setProperty("onnxruntime.native.path", dir.toString());
                }
            } catch (IOException | RuntimeException e) {
                unpackProblem = e.getMessage(); // ONNX Runtime then unpacks into java.io.tmpdir itself
            }
        }
        try {
            env = startOnLargeStack();
        } catch (RuntimeException | LinkageError e) {
            throw new KinoException("ONNX Runtime's native library could not be loaded"
                    + (unpackProblem != null ? " (unpacking it into " + KinoCache.root().resolve("native")
                    + " failed: " + unpackProblem + ")" : "")
                    + "; make sure " + KinoCache.root() + " (set KINO_CACHE to move it) or the temporary folder "
                    + System.getProperty("java.io.tmpdir") + " has about 30 MB free.", e);
        }
        removeEmptyTempFolder();
        return env;
    }

    /**
     * Loads the library and makes the environment on a thread with a 16 MB stack. ONNX Runtime 1.29's native start
     * overflows a default 1 MB Java thread stack in processes started with a long {@code -cp} (a JVM with 56 jars on
     * its class path died with SIGSEGV and no error report; {@code -Xss8m} or this thread avoid it), and a library
     * must not ask its users for JVM flags.
     */
    private static OrtEnvironment startOnLargeStack() {
        OrtEnvironment[] made = new OrtEnvironment[1];
        Throwable[] failed = new Throwable[1];
        Thread starter = new Thread(null, () -> {
            try {
                made[0] = OrtEnvironment.getEnvironment(NativeLogs.verbose()
                        ? OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING : OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "kino");
            } catch (RuntimeException | LinkageError e) {
                failed[0] = e;
            }
        }, "kino-onnxruntime-start", 16L << 20);
        starter.start();
        boolean interrupted = false;
        while (true) {
            try {
                starter.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the load cannot be abandoned halfway: finish it, then keep the interrupt
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failed[0] instanceof RuntimeException r) {
            throw r;
        }
        if (failed[0] instanceof LinkageError l) {
            throw l;
        }
        return made[0];
    }

    /** The platform folder ONNX Runtime's jar keeps its libraries in, e.g. {@code linux-x64}. */
    private static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : "linux";
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch;
        return o + "-" + a;
    }

    /** Unpacks the libraries once; returns their folder, or null when this jar has none for this platform. */
    static Path unpack(Path nativeRoot) throws IOException {
        List<URL> urls = new ArrayList<>();
        CRC32 key = new CRC32();
        for (String lib : LIBRARIES) {
            URL url = OrtEnvironment.class.getResource("/ai/onnxruntime/native/" + platform() + "/"
                    + System.mapLibraryName(lib));
            if (url == null) {
                return null;
            }
            URLConnection c = url.openConnection();
            long id = c instanceof JarURLConnection jar ? jar.getJarEntry().getCrc() ^ jar.getJarEntry().getSize()
                    : c.getContentLengthLong();
            key.update(Long.toString(id).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            urls.add(url);
        }
        Path dir = nativeRoot.resolve("onnxruntime-" + Long.toHexString(key.getValue()));
        if (complete(dir)) {
            return dir;
        }
        Files.createDirectories(nativeRoot);
        Path temp = Files.createTempDirectory(nativeRoot, ".onnxruntime-partial-");
        try {
            for (int i = 0; i < LIBRARIES.length; i++) {
                try (InputStream in = urls.get(i).openStream()) {
                    Files.copy(in, temp.resolve(System.mapLibraryName(LIBRARIES[i])));
                }
            }
            Files.writeString(temp.resolve(".complete"), "");
            try {
                Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!complete(dir)) { // else another process unpacked the same libraries first
                    throw e;
                }
            }
            return dir;
        } finally {
            deleteTree(temp);
        }
    }

    private static boolean complete(Path dir) {
        return Files.isRegularFile(dir.resolve(".complete"));
    }

    /** ONNX Runtime makes an {@code onnxruntime-java*} folder even when it loads from the cache; it stays empty. */
    private static void removeEmptyTempFolder() {
        try {
            var field = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("tempDirectory");
            field.setAccessible(true);
            if (field.get(null) instanceof Path temp && Files.isDirectory(temp)) {
                try (var entries = Files.list(temp)) {
                    if (entries.findAny().isEmpty()) {
                        Files.delete(temp);
                    }
                }
            }
        } catch (ReflectiveOperationException | RuntimeException | IOException ignored) {
            // best effort: ONNX Runtime deletes the empty folder at exit anyway
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a leftover partial folder is hidden and small
        }
    }
}
