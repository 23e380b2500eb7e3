package dev.kino.sweep.io;

import dev.kino.KinoException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file under a temporary name beside its target and renames it into place, so that a sweep killed
 * at any moment leaves either the whole file or none of it: never one a re-run would mistake for finished.
 */
public final class AtomicFiles {
    /** Writes the content to the given (temporary) path. */
    @FunctionalInterface
    public interface Writer {
        void write(Path temp) throws IOException;
    }

    private AtomicFiles() {
    }

    public static void write(Path given, Writer writer) {
        Path target = given.toAbsolutePath(); // a bare file name has no parent folder to create
        Path temp = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            Files.createDirectories(target.getParent());
            writer.write(temp);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new KinoException("Could not write " + target + ": " + e.getMessage()
                    + "; check that the folder is writable and the disk has room.", e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a hidden leftover named for its target; the next write replaces it
            }
        }
    }

    public static void writeString(Path target, String text) {
        write(target, temp -> Files.writeString(temp, text));
    }
}
