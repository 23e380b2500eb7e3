package dev.kino.video;

import dev.kino.KinoException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes frames as numbered PNG files ({@code frame_0000.png}, ...) for inspection or other tools.
 *
 * <p>All frames are first written into a hidden partial folder inside the target folder and moved into place
 * only when every one was written, so a full disk or a kill leaves the folder as it was. Frames of an earlier
 * Kino run there ({@code frame_NNNN.png} beyond the new count) are removed so runs never mix; other files are
 * never touched.
 */
public final class PngFrameWriter {
    private static final Pattern FRAME = Pattern.compile("frame_(\\d{4,})\\.png");

    /** The frames written and the earlier Kino frames removed from the folder. */
    public record Written(List<Path> files, List<Path> removedEarlier) {
    }

    private PngFrameWriter() {
    }

    /**
     * Writes each frame as {@code frame_0000.png} ... into {@code dir}, all or nothing.
     *
     * @throws dev.kino.KinoException when the folder cannot be written
     */
    public static Written write(VideoFrames video, Path dir) {
        Path temp = null;
        boolean created = !Files.exists(dir);
        try {
            Files.createDirectories(dir);
            temp = PartialFiles.newFolder(dir);
            for (int i = 0; i < video.count(); i++) {
                if (!ImageIO.write(toImage(video, i), "png", temp.resolve(name(i)).toFile())) {
                    throw new IOException("no PNG writer in this Java");
                }
            }
            List<Path> written = new ArrayList<>();
            for (int i = 0; i < video.count(); i++) {
                Path file = dir.resolve(name(i));
                Files.move(temp.resolve(name(i)), file, StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
                written.add(file);
            }
            return new Written(written, removeEarlierFrames(dir, video.count()));
        } catch (IOException e) {
            if (temp != null) {
                PartialFiles.discard(temp);
            }
            if (created) {
                deleteIfEmpty(dir); // nothing written: not even the folder
            }
            String reason = e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null
                    ? fse.getReason() : e.getMessage();
            throw new KinoException("Could not write PNG frames to " + dir + ": " + reason
                    + "; the folder is as it was, check that it is writable and the disk has room.", e);
        } finally {
            if (temp != null) {
                PartialFiles.discard(temp);
            }
        }
    }

    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // not empty, or not ours to remove
        }
    }

    private static String name(int i) {
        return String.format("frame_%04d.png", i);
    }

    /** Kino's own frame files in {@code dir} numbered {@code count} or higher (an earlier, longer run). */
    private static List<Path> removeEarlierFrames(Path dir, int count) throws IOException {
        List<Path> removed = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "frame_*.png")) {
            for (Path p : files) {
                Matcher m = FRAME.matcher(p.getFileName().toString());
                if (m.matches() && Long.parseLong(m.group(1)) >= count && Files.isRegularFile(p)) {
                    Files.delete(p);
                    removed.add(p);
                }
            }
        }
        removed.sort(null);
        return removed;
    }

    /** Frame {@code i} as a BufferedImage (also used for contact sheets). */
    public static BufferedImage toImage(VideoFrames video, int i) {
        BufferedImage image = new BufferedImage(video.width(), video.height(), BufferedImage.TYPE_INT_RGB);
        byte[] rgb = video.frame(i);
        for (int y = 0; y < video.height(); y++) {
            for (int x = 0; x < video.width(); x++) {
                int p = (y * video.width() + x) * 3;
                image.setRGB(x, y, (rgb[p] & 0xff) << 16 | (rgb[p + 1] & 0xff) << 8 | (rgb[p + 2] & 0xff));
            }
        }
        return image;
    }
}
