package dev.kino.server.work;

import dev.kino.KinoException;
import dev.kino.image.ImageFiles;
import dev.kino.image.RgbImage;
import dev.kino.shots.PictureFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Pictures uploaded to the server ({@code POST /api/pictures}), stored under the data folder's {@code pictures/}
 * by the SHA-256 of their bytes. Shot lists and jobs name them as {@code sha256:HEX}, never by path, so a request
 * cannot make the server read any other file. A submit checks the bytes against the name, and the job's plan
 * records them, so a render checks them again before it uses them.
 */
public final class UploadedPictures {
    /** How shots and jobs refer to an uploaded picture. */
    public static final String PREFIX = "sha256:";
    private static final Pattern REF = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    /** Largest picture accepted, in bytes. */
    public static final long MAX_BYTES = 16L << 20;
    /** Default room for all uploads together, in bytes. */
    public static final long DEFAULT_QUOTA = 1L << 30;
    private static final Object QUOTA_LOCK = new Object();

    private final Path folder;
    private final long quota;

    public UploadedPictures(Path dataDir) {
        this(dataDir, DEFAULT_QUOTA);
    }

    /** @param quota bytes all uploaded pictures together may use */
    public UploadedPictures(Path dataDir, long quota) {
        this.folder = dataDir.resolve("pictures");
        this.quota = quota;
    }

    /** What a stored picture is: its reference and size. */
    public record Stored(String reference, int width, int height, long bytes) {
    }

    /** The uploads' quota is used up: nothing was stored. */
    public static final class QuotaExceeded extends KinoException {
        QuotaExceeded(String message) {
            super(message);
        }
    }

    public long maxBytes() {
        return MAX_BYTES;
    }

    /**
     * Stores the picture read from {@code in} (streamed to disk, never whole in memory) if it is a picture Kino
     * reads (PNG, JPEG, WebP, ...); storing the same bytes twice keeps one file.
     *
     * @throws KinoException (one sentence) when it is not a readable picture, is larger than {@link #MAX_BYTES},
     *                       or would overfill the quota ({@link QuotaExceeded}); nothing is kept then
     */
    public Stored store(java.io.InputStream in) throws IOException {
        Files.createDirectories(folder);
        Path temp = Files.createTempFile(folder, ".upload-", ".partial"); // owner-only (0600)
        try {
            MessageDigest sha = digest();
            long bytes = 0;
            try (var out = Files.newOutputStream(temp)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    bytes += n;
                    if (bytes > MAX_BYTES) {
                        throw new KinoException("The picture is larger than " + (MAX_BYTES >> 20) + " MiB; send a "
                                + "smaller PNG, JPEG or WebP file.");
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            if (bytes == 0) {
                throw new KinoException("The request has no picture; send the PNG, JPEG or WebP file's bytes as the body.");
            }
            String hex = HexFormat.of().formatHex(sha.digest());
            RgbImage image = ImageFiles.read(temp); // refuses anything that is not a picture, in one sentence
            synchronized (QUOTA_LOCK) {
                Path target = folder.resolve(hex);
                long used = used();
                if (!Files.exists(target) && used + bytes > quota) {
                    throw new QuotaExceeded("Uploaded pictures use " + (used >> 20) + " MiB of their " + (quota >> 20)
                            + " MiB; delete pictures no longer needed (DELETE /api/pictures/sha256:HEX) and upload again.");
                }
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return new Stored(PREFIX + hex, image.width(), image.height(), bytes);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Bytes the stored pictures use. */
    long used() throws IOException {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        long sum = 0;
        try (java.util.stream.Stream<Path> s = Files.list(folder)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!p.getFileName().toString().startsWith(".")) {
                    sum += Files.size(p);
                }
            }
        }
        return sum;
    }

    /** Deletes the uploaded picture {@code reference} ({@code sha256:HEX}); false when there is none. */
    public boolean delete(String reference) throws IOException {
        if (!REF.matcher(reference).matches()) {
            return false;
        }
        return Files.deleteIfExists(folder.resolve(reference.substring(PREFIX.length())));
    }

    /**
     * Removes uploads older than {@code grace} that {@code inUse} (given the hex name) says nothing uses: a client
     * uploads, then submits, so a fresh upload is never collected. Returns how many were removed.
     */
    public int collect(java.util.function.Predicate<String> inUse, java.time.Duration grace) throws IOException {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        long cutoff = System.currentTimeMillis() - grace.toMillis();
        int n = 0;
        List<Path> files;
        try (java.util.stream.Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> HEX.matcher(p.getFileName().toString()).matches()).toList();
        }
        for (Path p : files) {
            if (Files.getLastModifiedTime(p).toMillis() < cutoff && !inUse.test(p.getFileName().toString())
                    && Files.deleteIfExists(p)) {
                n++;
            }
        }
        return n;
    }

    /** Resolves {@code sha256:HEX} references of uploaded pictures for shot lists read by the server. */
    public PictureFiles files() {
        return reference -> {
            if (!REF.matcher(reference).matches()) {
                throw new IllegalArgumentException("must name an uploaded picture as sha256:HEX (POST /api/pictures"
                        + " returns it); the server reads no file paths");
            }
            Path file = folder.resolve(reference.substring(PREFIX.length()));
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("names no picture uploaded to this server; upload it with POST"
                        + " /api/pictures first");
            }
            if (!dev.kino.request.Sha256.of(file).equals(file.getFileName().toString())) {
                // replaced or damaged on disk: a take would silently show another picture
                throw new IllegalArgumentException("names an uploaded picture that changed on the server's disk (its"
                        + " SHA-256 no longer matches); upload it again");
            }
            return file;
        };
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
