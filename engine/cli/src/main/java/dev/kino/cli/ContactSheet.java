package dev.kino.cli;

import dev.kino.shots.ShotList;
import dev.kino.shots.Take;
import dev.kino.video.VideoFrames;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A PNG with one row per shot and, for each take, four frames (first, two between, last) side by side, labelled
 * with the shot, take and seed: the whole project at a glance, for picking takes.
 */
final class ContactSheet {
    static final int FRAMES_PER_TAKE = 4;
    private static final int THUMB = 96;
    private static final int PAD = 12;
    private static final int LABEL = 18;

    /** A rendered take, its frames and its MP4 relative to the output folder. */
    record Cell(Take take, VideoFrames frames, String mp4) {
    }

    private ContactSheet() {
    }

    static void write(ShotList list, List<Cell> cells, Path png) throws IOException {
        int maxTakes = list.shots().stream().mapToInt(s -> s.takeCount()).max().orElse(1);
        int cellWidth = FRAMES_PER_TAKE * THUMB + PAD;
        int rowHeight = LABEL + THUMB + LABEL + PAD;
        BufferedImage img = new BufferedImage(PAD + maxTakes * cellWidth, PAD + LABEL + list.shots().size() * rowHeight,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setColor(new Color(0x16181d));
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.setColor(Color.WHITE);
        g.drawString(list.project(), PAD, PAD + 12);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (Cell c : cells) {
            Take t = c.take();
            int x = PAD + (t.take() - 1) * cellWidth;
            int y = PAD + LABEL + t.shot().index() * rowHeight;
            if (t.take() == 1) {
                g.setColor(new Color(0xe8e8e8));
                g.drawString(String.format("%02d %s: %s", t.shot().index() + 1, t.shot().name(), clip(t.shot().prompt())),
                        PAD, y + 13);
            }
            VideoFrames f = c.frames();
            for (int i = 0; i < FRAMES_PER_TAKE; i++) {
                int frame = f.count() == 1 ? 0 : Math.round(i * (f.count() - 1) / (float) (FRAMES_PER_TAKE - 1));
                g.drawImage(image(f, frame), x + i * THUMB, y + LABEL, THUMB, THUMB, null);
            }
            g.setColor(new Color(0x9aa0aa));
            g.drawString("take " + t.take() + " · seed " + t.seed(), x, y + LABEL + THUMB + 13);
        }
        g.dispose();
        Path temp = png.resolveSibling("." + png.getFileName() + ".partial");
        ImageIO.write(img, "png", temp.toFile());
        Files.move(temp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static BufferedImage image(VideoFrames f, int i) {
        BufferedImage img = new BufferedImage(f.width(), f.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < f.height(); y++) {
            for (int x = 0; x < f.width(); x++) {
                img.setRGB(x, y, f.channel(i, x, y, 0) << 16 | f.channel(i, x, y, 1) << 8 | f.channel(i, x, y, 2));
            }
        }
        return img;
    }

    private static String clip(String s) {
        return s.length() > 90 ? s.substring(0, 90) + "…" : s;
    }
}
