package dev.kino.cli;

import dev.kino.KinoException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks output paths before any model work starts, so a typo in {@code -o} costs a second, not a render.
 */
final class OutputTarget {
    private OutputTarget() {
    }

    /** A file name from the prompt: "A red circle, moving right!" → {@code a-red-circle-moving-right.mp4}. */
    static Path defaultName(String prompt) {
        String slug = prompt == null ? "" : prompt.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("(^-+|-+$)", "");
        if (slug.length() > 60) {
            slug = slug.substring(0, 60).replaceAll("-+$", "");
        }
        return Path.of((slug.isEmpty() ? "kino" : slug) + ".mp4");
    }

    /** The absolute MP4 path, or a {@link KinoException} naming what is wrong with it. */
    static Path check(Path output) {
        Path target = output.toAbsolutePath().normalize();
        if (!target.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".mp4")) {
            throw new KinoException("The output " + output + " must end in .mp4 (Kino writes H.264 MP4 files).");
        }
        if (Files.isDirectory(target)) {
            throw new KinoException("The output " + target + " is a folder; give a file name such as "
                    + target.resolve("video.mp4") + ".");
        }
        checkFolder(target.getParent(), false);
        if (Files.exists(target) && !Files.isWritable(target)) {
            throw new KinoException("The output file " + target + " exists and cannot be overwritten; choose another -o path.");
        }
        return target;
    }

    /**
     * A writable folder, or a {@link KinoException}. With {@code creatable}, a missing folder is fine when its
     * parent is writable (Kino creates it, e.g. for {@code --frames-dir}).
     */
    static void checkFolder(Path folder, boolean creatable) {
        Path dir = folder.toAbsolutePath().normalize();
        if (!Files.exists(dir)) {
            if (creatable && dir.getParent() != null && Files.isDirectory(dir.getParent())) {
                probeWrite(dir.getParent());
                return;
            }
            throw new KinoException("The output folder " + dir + " does not exist; create it or choose another path.");
        }
        if (!Files.isDirectory(dir)) {
            throw new KinoException("The output path " + dir + " is a file, not a folder; choose another path.");
        }
        probeWrite(dir);
    }

    /** Creates and deletes a hidden file: the only check that also catches read-only mounts and root quirks. */
    private static void probeWrite(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, ".kino-write-check-", ".tmp"));
        } catch (java.nio.file.AccessDeniedException e) {
            throw new KinoException("Cannot write to the folder " + dir + " (permission denied); choose another path.");
        } catch (java.io.IOException e) {
            String reason = e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null
                    ? fse.getReason() : e.getMessage();
            throw new KinoException("Cannot write to the folder " + dir + " (" + reason + "); choose another path.");
        }
    }
}
