package dev.kino.bench.demo;

import dev.kino.bench.demo.DemoAccuracy.Row;
import dev.kino.sweep.io.AtomicFiles;
import dev.kino.sweep.io.FrameStrip;
import dev.kino.video.PngFrameWriter;
import dev.kino.video.VideoFrames;

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
 * The test grid as a picture: one line per prompt (its words, "held out" when the model never saw that
 * combination, what the scorer read) and a few evenly spaced frames of the clip as decoded from its MP4.
 * Written as a true-colour PNG so it shows the colours the video has.
 */
public final class ContactSheet {
    private static final int FRAMES_SHOWN = 5;
    private static final int SCALE = 2;
    private static final int LABEL_WIDTH = 300;
    private static final int GAP = 4;
    private static final int COLUMNS = 2;

    private ContactSheet() {
    }

    public static void write(Path target, List<Row> rows, String title) {
        if (rows.isEmpty() || rows.get(0).clip() == null) {
            throw new IllegalArgumentException("no clips to show");
        }
        VideoFrames first = rows.get(0).clip();
        int cell = first.width() * SCALE;
        int cellH = first.height() * SCALE;
        int colWidth = LABEL_WIDTH + FRAMES_SHOWN * (cell + GAP) + 3 * GAP;
        int perColumn = (rows.size() + COLUMNS - 1) / COLUMNS;
        int header = 28;
        BufferedImage sheet = new BufferedImage(COLUMNS * colWidth, header + perColumn * (cellH + GAP) + GAP,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setColor(new Color(0x26, 0x26, 0x2b));
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, GAP * 2, 19);
        Font label = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            int x = (i / perColumn) * colWidth + GAP * 2;
            int y = header + (i % perColumn) * (cellH + GAP);
            g.setFont(label);
            g.setColor(Color.WHITE);
            g.drawString(r.prompt().text(), x, y + cellH / 2 - 6);
            g.setFont(small);
            boolean ok = r.color() && r.shape() && r.direction();
            g.setColor(ok ? new Color(0x9c, 0xd6, 0x9c) : new Color(0xf0, 0x8c, 0x8c));
            g.drawString((r.prompt().heldout() ? "held out · " : "") + "read: " + describe(r), x, y + cellH / 2 + 12);
            int[] shown = FrameStrip.evenlySpaced(r.clip().count(), FRAMES_SHOWN);
            for (int k = 0; k < shown.length; k++) {
                g.drawImage(PngFrameWriter.toImage(r.clip(), shown[k]), x + LABEL_WIDTH + k * (cell + GAP), y, cell,
                        cellH, null);
            }
        }
        g.dispose();
        AtomicFiles.write(target, temp -> {
            if (!ImageIO.write(sheet, "png", temp.toFile())) {
                throw new IOException("no PNG writer");
            }
        });
    }

    private static String describe(Row r) {
        if (r.measured() == null) {
            return "no object";
        }
        return r.measured().color() + " " + r.measured().shape() + " " + r.measured().direction();
    }
}
