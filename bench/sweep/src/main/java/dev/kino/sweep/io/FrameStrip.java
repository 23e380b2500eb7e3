package dev.kino.sweep.io;

import dev.kino.video.PngFrameWriter;
import dev.kino.video.VideoFrames;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Frames laid side by side in one PNG. PNG is lossless, so a strip of every frame caches a reference video
 * exactly; a strip of a few evenly spaced frames is a cell's picture in the report's contact sheet.
 */
public final class FrameStrip {
    private FrameStrip() {
    }

    /** Indices of {@code count} frames spread evenly from the first to the last of {@code frames}. */
    public static int[] evenlySpaced(int frames, int count) {
        int n = Math.min(frames, count);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = n == 1 ? 0 : (int) Math.round(i * (frames - 1) / (double) (n - 1));
        }
        return idx;
    }

    public static void write(Path target, VideoFrames video, int[] frameIndices) {
        BufferedImage strip = new BufferedImage(video.width() * frameIndices.length, video.height(),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = strip.createGraphics();
        for (int i = 0; i < frameIndices.length; i++) {
            g.drawImage(PngFrameWriter.toImage(video, frameIndices[i]), i * video.width(), 0, null);
        }
        g.dispose();
        AtomicFiles.write(target, temp -> {
            if (!ImageIO.write(strip, "png", temp.toFile())) {
                throw new IOException("no PNG writer");
            }
        });
    }

    /** Reads a strip of {@code frameCount} equal frames back into video frames. */
    public static VideoFrames read(Path file, int frameCount) throws IOException {
        BufferedImage strip = ImageIO.read(file.toFile());
        if (strip == null || strip.getWidth() % frameCount != 0) {
            throw new IOException(file + " is not a strip of " + frameCount + " frames");
        }
        int w = strip.getWidth() / frameCount;
        int h = strip.getHeight();
        List<byte[]> frames = new ArrayList<>();
        int[] argb = new int[w * h];
        for (int f = 0; f < frameCount; f++) {
            strip.getRGB(f * w, 0, w, h, argb, 0, w);
            byte[] rgb = new byte[w * h * 3];
            for (int p = 0; p < argb.length; p++) {
                rgb[3 * p] = (byte) (argb[p] >> 16);
                rgb[3 * p + 1] = (byte) (argb[p] >> 8);
                rgb[3 * p + 2] = (byte) argb[p];
            }
            frames.add(rgb);
        }
        return new VideoFrames(w, h, frames);
    }
}
