package dev.kino.request;

import dev.kino.KinoException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 in hex, the one way Kino names content: files a request uses, uploads, plans, requests. */
public final class Sha256 {
    private Sha256() {
    }

    /** Of bytes. */
    public static String of(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** Of a text's UTF-8 bytes. */
    public static String of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Of a file's bytes, streamed.
     *
     * @throws KinoException (one sentence) when the file is missing or cannot be read
     */
    public static String of(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = digest();
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchFileException e) {
            throw new KinoException("The file " + file + " does not exist; check the path.");
        } catch (IOException e) {
            throw new KinoException("Cannot read the file " + file + " (" + e.getMessage() + "); check the file.", e);
        }
    }

    /** A fresh SHA-256 digest (every Java has one). */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
