package dev.kino.demo;

import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.model.ManifestReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A model package shipped inside the Kino jar (the demo model), extracted once to a cache folder so ONNX
 * Runtime can open its files by path. The folder's name carries a hash of the contents, so a new Kino with
 * a retrained model never reuses a stale copy, and extraction is atomic, so two processes starting at once
 * cannot see a half-written package.
 */
public final class EmbeddedModel {
    /** Classpath folder of the demo model. */
    public static final String DEMO = "kino-models/demo";

    private EmbeddedModel() {
    }

    /** The cache root: {@code $KINO_CACHE}, else {@code $XDG_CACHE_HOME/kino}, else {@code ~/.cache/kino}. */
    public static Path cacheRoot() {
        String kino = System.getenv("KINO_CACHE");
        if (kino != null && !kino.isBlank()) {
            return Path.of(kino);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("kino");
    }

    /** Extracts the package under {@code resourceDir} into {@link #cacheRoot()} (if not there yet) and returns its folder. */
    public static Path extract(String resourceDir) {
        return extract(resourceDir, cacheRoot().resolve("models"));
    }

    /** As {@link #extract(String)}, into {@code cacheDir}. */
    public static Path extract(String resourceDir, Path cacheDir) {
        Map<String, byte[]> files = read(resourceDir);
        String name = resourceDir.substring(resourceDir.lastIndexOf('/') + 1);
        Path target = cacheDir.resolve(name + "-" + hash(files));
        if (Files.isRegularFile(target.resolve(ManifestReader.FILE_NAME))) {
            return target;
        }
        try {
            Files.createDirectories(cacheDir);
            Path temp = Files.createTempDirectory(cacheDir, "." + name + "-partial-");
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Files.write(temp.resolve(f.getKey()), f.getValue());
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException e) {
                deleteTree(temp); // another process extracted it first
            }
            return target;
        } catch (IOException e) {
            throw new KinoException("Cannot unpack the built-in model into " + cacheDir + ": " + e.getMessage()
                    + "; set KINO_CACHE to a writable folder.", e);
        }
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

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
