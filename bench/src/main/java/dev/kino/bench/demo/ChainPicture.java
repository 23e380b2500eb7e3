package dev.kino.bench.demo;

import dev.kino.bench.demo.DemoContinuation.Shot;
import dev.kino.sweep.io.AtomicFiles;
import dev.kino.video.PngFrameWriter;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A chain of shots as one picture: a row per shot (its prompt, then every other frame as decoded from its
 * MP4), so the cut from one shot's last frame to the next one's first frame can be seen.
 */
public final class ChainPicture {
    private static final int CELL = 96;
    private static final int GAP = 3;
    private static final int LABEL = 22;

    private ChainPicture() {
    }

    public static void write(Path target, List<Shot> shots) {
        int count = shots.get(0).clip().count();
        int[] shown = new int[(count + 1) / 2];
        for (int k = 0; k < shown.length; k++) {
            shown[k] = Math.min(count - 1, 2 * k + (k == shown.length - 1 ? 1 : 0)); // 0, 2, ..., last
        }
        int width = GAP + shown.length * (CELL + GAP);
        BufferedImage img = new BufferedImage(width, shots.size() * (LABEL + CELL + GAP) + GAP,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(0x26, 0x26, 0x2b));
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int s = 0; s < shots.size(); s++) {
            Shot shot = shots.get(s);
            int y = GAP + s * (LABEL + CELL + GAP);
            g.setColor(Color.WHITE);
            g.drawString("shot " + (s + 1) + ": \"" + shot.prompt() + "\"" + (s == 0 ? " (from text)"
                    : " --continue-from shot " + s) + "   frames " + joined(shown), GAP + 2, y + LABEL - 7);
            for (int k = 0; k < shown.length; k++) {
                g.drawImage(PngFrameWriter.toImage(shot.clip(), shown[k]), GAP + k * (CELL + GAP), y + LABEL, CELL,
                        CELL, null);
            }
        }
        g.dispose();
        AtomicFiles.write(target, temp -> {
            if (!ImageIO.write(img, "png", temp.toFile())) {
                throw new IOException("no PNG writer");
            }
        });
    }

    private static String joined(int[] frames) {
        return frames[0] + ", " + frames[1] + ", ..., " + frames[frames.length - 1];
    }
}
