package dev.kino.server.work;

import dev.kino.KinoException;
import dev.kino.image.ImageFiles;
import dev.kino.image.RgbImage;
import dev.kino.request.Sha256;
import dev.kino.shots.PictureFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

    private final Path folder;

    public UploadedPictures(Path dataDir) {
        this.folder = dataDir.resolve("pictures");
    }

    /** What a stored picture is: its reference and size. */
    public record Stored(String reference, int width, int height, long bytes) {
    }

    /**
     * Stores {@code bytes} if they are a picture Kino reads (PNG, JPEG, WebP, ...); storing the same bytes twice keeps
     * one file.
     *
     * @throws KinoException (one sentence) when they are not a readable picture; nothing is kept then
     */
    public Stored store(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            throw new KinoException("The request has no picture; send the PNG, JPEG or WebP file's bytes as the body.");
        }
        String hex = Sha256.of(bytes);
        Files.createDirectories(folder);
        Path temp = Files.createTempFile(folder, ".upload-", ".partial");
        try {
            Files.write(temp, bytes);
            RgbImage image = ImageFiles.read(temp); // refuses anything that is not a picture, in one sentence
            Files.move(temp, folder.resolve(hex), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Stored(PREFIX + hex, image.width(), image.height(), bytes.length);
        } finally {
            Files.deleteIfExists(temp);
        }
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
            if (!Sha256.of(file).equals(file.getFileName().toString())) {
                // replaced or damaged on disk: a take would silently show another picture
                throw new IllegalArgumentException("names an uploaded picture that changed on the server's disk (its"
                        + " SHA-256 no longer matches); upload it again");
            }
            return file;
        };
    }
}
