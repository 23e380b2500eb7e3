package dev.kino.cli;

import dev.kino.KinoException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Locale;

/**
 * Checks output paths before any model work starts, so a typo in {@code -o} costs a second, not a render.
 */
final class OutputTarget {
    private OutputTarget() {
    }

    /** Longest file name (bytes) Linux file systems accept. */
    static final int NAME_MAX = 255;

    /**
     * A file name from the prompt: "A red circle, moving right!" → {@code a-red-circle-moving-right.mp4}; letters
     * of every script are kept ("東京の夜" → {@code 東京の夜.mp4}). At most 60 characters; the caller never
     * overwrites an existing file under this name (see {@code Mp4Writer.writeNew}).
     */
    static Path defaultName(String prompt) {
        String slug = prompt == null ? "" : Normalizer.normalize(prompt, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{M}\\p{N}]+", "-").replaceAll("(^-+|-+$)", "");
        int[] cps = slug.codePoints().limit(60).toArray();
        slug = new String(cps, 0, cps.length);
        while (slug.getBytes(StandardCharsets.UTF_8).length > 200) { // CJK takes 3 bytes a character
            slug = slug.substring(0, slug.offsetByCodePoints(0, slug.codePointCount(0, slug.length()) - 1));
        }
        slug = slug.replaceAll("-+$", "");
        return Path.of((slug.isEmpty() ? "kino" : slug) + ".mp4");
    }

    /** The absolute MP4 path, or a {@link KinoException} naming what is wrong with it. */
    static Path check(Path output) {
        Path target = output.toAbsolutePath().normalize();
        String name = target.getFileName().toString();
        if (!name.toLowerCase(Locale.ROOT).endsWith(".mp4")) {
            throw new KinoException("The output " + output + " must end in .mp4 (Kino writes H.264 MP4 files).");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > NAME_MAX) {
            throw new KinoException("The output file name is " + bytes + " bytes long but file names can have at most "
                    + NAME_MAX + "; choose a shorter -o name.");
        }
        // A symbolic link is written through: the file it points to gets the video, the link stays.
        Path real = dev.kino.video.Mp4Writer.writeThrough(target);
        if (!real.equals(target) && Files.isRegularFile(real)
                && !real.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".mp4")) {
            throw new KinoException("The output " + target + " is a link to " + real
                    + ", which is not an MP4; choose another -o path.");
        }
        if (Files.isDirectory(real)) {
            throw new KinoException("The output " + target + " is a folder; give a file name such as "
                    + target.resolve("video.mp4") + ".");
        }
        checkFolder(real.getParent(), false);
        if (Files.exists(real) && !Files.isWritable(real)) {
            throw new KinoException("The output file " + real + " exists and cannot be overwritten; choose another -o path.");
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
