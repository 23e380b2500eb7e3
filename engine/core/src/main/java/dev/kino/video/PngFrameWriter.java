package dev.kino.video;

import dev.kino.KinoException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes frames as numbered PNG files ({@code frame_0000.png}, ...) for inspection or other tools. */
public final class PngFrameWriter {
    private PngFrameWriter() {
    }

    public static List<Path> write(VideoFrames video, Path dir) {
        try {
            Files.createDirectories(dir);
            List<Path> written = new ArrayList<>();
            for (int i = 0; i < video.count(); i++) {
                Path file = dir.resolve(String.format("frame_%04d.png", i));
                Path temp = dir.resolve("." + file.getFileName() + ".kino-partial");
                ImageIO.write(toImage(video, i), "png", temp.toFile());
                Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                written.add(file);
            }
            return written;
        } catch (IOException e) {
            throw new KinoException("Could not write PNG frames to " + dir + ": " + e.getMessage()
                    + "; check that the folder is writable and the disk has room.", e);
        }
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
