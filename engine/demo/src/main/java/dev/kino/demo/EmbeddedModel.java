package dev.kino.demo;

import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.model.ManifestReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A model package shipped inside the Kino jar (the demo model), extracted once to a cache folder so ONNX
 * Runtime can open its files by path. The folder's name carries a hash of the contents, so a new Kino with
 * a retrained model never reuses a stale copy; extraction is atomic, so processes starting at once never see a
 * half-written package, and a damaged copy is unpacked again.
 */
public final class EmbeddedModel {
    /** Classpath folder of the demo model. */
    public static final String DEMO = "kino-models/demo";

    private EmbeddedModel() {
    }

    /** The cache root: {@code $KINO_CACHE}, else {@code $XDG_CACHE_HOME/kino}, else {@code ~/.cache/kino}. */
    public static Path cacheRoot() {
        return dev.kino.runtime.KinoCache.root();
    }

    /** Extracts the package under {@code resourceDir} into {@link #cacheRoot()} (if not there yet) and returns its folder. */
    public static Path extract(String resourceDir) {
        return extract(resourceDir, cacheRoot().resolve("models"));
    }

    /**
     * As {@link #extract(String)}, into {@code cacheDir}. A cached copy is compared with the jar's files on every
     * call (about 10 ms for the demo model) and unpacked again when any file is missing, truncated or changed, so a
     * damaged cache never loads. Several threads or processes may call this at once: each unpacks into its own
     * hidden folder and the first complete one is renamed into place.
     */
    public static Path extract(String resourceDir, Path cacheDir) {
        Map<String, byte[]> files = read(resourceDir);
        String name = resourceDir.substring(resourceDir.lastIndexOf('/') + 1);
        Path target = cacheDir.resolve(name + "-" + hash(files));
        if (damage(target, files) == null) {
            return target;
        }
        Path temp = null;
        try {
            Files.createDirectories(cacheDir);
            temp = Files.createTempDirectory(cacheDir, "." + name + "-partial-");
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Files.write(temp.resolve(f.getKey()), f.getValue());
            }
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                    return target;
                } catch (IOException e) {
                    // Another process renamed its copy first (the error varies: EEXIST, ENOTEMPTY, ...), or the
                    // folder there is a damaged copy: keep a good one, move a damaged one aside and retry.
                    if (damage(target, files) == null) {
                        return target;
                    }
                    moveAside(target, cacheDir, name);
                }
            }
            throw new IOException("the folder " + target + " keeps changing under Kino");
        } catch (IOException e) {
            String reason = e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null
                    ? fse.getReason() : e.getMessage();
            throw new KinoException("Cannot unpack the built-in model into " + cacheDir + " (" + reason
                    + "); set KINO_CACHE to a writable folder with " + ((total(files) >> 20) + 1) + " MB free.", e);
        } finally {
            if (temp != null) {
                deleteQuietly(temp);
            }
        }
    }

    /** Null when {@code dir} holds exactly the package's files, else the first file that differs. */
    static String damage(Path dir, Map<String, byte[]> files) {
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path p = dir.resolve(f.getKey());
            try {
                if (!Files.isRegularFile(p) || Files.size(p) != f.getValue().length
                        || !Arrays.equals(Files.readAllBytes(p), f.getValue())) {
                    return f.getKey();
                }
            } catch (IOException e) {
                return f.getKey();
            }
        }
        return null;
    }

    private static void moveAside(Path target, Path cacheDir, String name) throws IOException {
        Path aside = cacheDir.resolve("." + name + "-damaged-" + Long.toHexString(System.nanoTime())
                + "-" + ProcessHandle.current().pid());
        try {
            Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException gone) {
            return; // another process moved it first
        }
        deleteQuietly(aside);
    }

    private static long total(Map<String, byte[]> files) {
        return files.values().stream().mapToLong(b -> b.length).sum();
    }

    /** The package's files: the manifest and every file it names (plus external-data files beside ONNX files). */
    private static Map<String, byte[]> read(String resourceDir) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        byte[] manifest = resource(resourceDir + "/" + ManifestReader.FILE_NAME);
        if (manifest == null) {
            throw new KinoException("This Kino build has no built-in model (" + resourceDir + "); give a model"
                    + " package folder (one holding kino.json), e.g. with --model DIR.");
        }
        files.put(ManifestReader.FILE_NAME, manifest);
        for (String name : namedFiles(manifest, resourceDir)) {
            byte[] data = resource(resourceDir + "/" + name);
            if (data == null) {
                throw new KinoException("The built-in model lacks its file " + name + "; rebuild Kino.");
            }
            files.put(name, data);
            byte[] external = resource(resourceDir + "/" + name + "_data");
            if (external != null) {
                files.put(name + "_data", external);
            }
        }
        return files;
    }

    /** Every file the manifest names (experts included), read by the same reader that loads packages. */
    private static List<String> namedFiles(byte[] manifestJson, String resourceDir) {
        Manifest m = ManifestReader.parse(new String(manifestJson, StandardCharsets.UTF_8),
                "of the built-in model (" + resourceDir + ")");
        return List.copyOf(new LinkedHashSet<>(m.files().values()));
    }

    private static byte[] resource(String path) {
        try (InputStream in = EmbeddedModel.class.getClassLoader().getResourceAsStream(path)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new KinoException("Cannot read the built-in model file " + path + ": " + e.getMessage(), e);
        }
    }

    private static String hash(Map<String, byte[]> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                sha.update(f.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update(f.getValue());
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a hidden leftover; the next extraction does not depend on it
        }
    }
}
