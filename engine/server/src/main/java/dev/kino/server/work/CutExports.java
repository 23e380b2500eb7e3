package dev.kino.server.work;

import dev.kino.KinoException;
import dev.kino.shots.CmxEdl;
import dev.kino.shots.CutTimeline;
import dev.kino.shots.OtioTimeline;
import dev.kino.video.DeliveryFormat;
import dev.kino.video.DeliveryWriter;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The cut for an editor, beside its MP4 ({@code cut-ID.mp4}): an OpenTimelineIO timeline ({@code cut-ID.otio})
 * and a CMX 3600 EDL ({@code cut-ID.edl}) that reference the picked takes' files with their in and out points,
 * and on request the cut itself as ProRes 422 HQ ({@code cut-ID.mov}, from the takes' frames). Called after
 * {@link Cut#build}, which has checked that the takes share one size and frame rate.
 */
public final class CutExports {
    /** The timeline's and the EDL's file extensions. */
    public static final String OTIO = ".otio";
    public static final String EDL = ".edl";

    private CutExports() {
    }

    /** The cut's formats the server writes: {@code mp4} (always) and {@code prores}. */
    public static DeliveryFormat format(String name) {
        DeliveryFormat f = name == null ? DeliveryFormat.MP4 : DeliveryFormat.parse(name);
        if (f == DeliveryFormat.PNG16) {
            throw new KinoException("The server exports the cut as mp4 or prores; for 16-bit PNGs of each take run"
                    + " kino render --format png16.");
        }
        return f;
    }

    /** {@code cut-ID.EXT} beside {@code cutMp4}. */
    public static Path sibling(Path cutMp4, String extension) {
        String name = cutMp4.getFileName().toString();
        return cutMp4.resolveSibling(name.substring(0, name.length() - ".mp4".length()) + extension);
    }

    /** Writes the timeline and the EDL of {@code pieces} for the cut at {@code cutMp4}, and its ProRes copy. */
    public static void write(String project, List<Cut.Piece> pieces, Path cutMp4, DeliveryFormat format) {
        List<CutTimeline.Clip> clips = new ArrayList<>();
        int fps = 0;
        for (Cut.Piece p : pieces) {
            try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.mp4().toFile())) {
                g.start();
                fps = (int) Math.round(g.getFrameRate());
                clips.add(CutTimeline.Clip.whole(p.shot() + " (" + p.mp4().getFileName() + ")",
                        p.mp4().toAbsolutePath().toUri(), g.getLengthInVideoFrames()));
            } catch (IOException e) {
                throw new KinoException("The take picked for shot " + p.shot() + " cannot be read (" + e.getMessage()
                        + "); pick another take.", e);
            }
        }
        CutTimeline timeline = new CutTimeline(project, fps, clips);
        writeText(sibling(cutMp4, OTIO), OtioTimeline.json(timeline));
        writeText(sibling(cutMp4, EDL), CmxEdl.text(timeline));
        if (format == DeliveryFormat.PRORES) {
            writeProRes(pieces, format.target(sibling(cutMp4, "")), fps);
        }
    }

    private static void writeProRes(List<Cut.Piece> pieces, Path mov, int fps) {
        DeliveryWriter w = null;
        try {
            for (Cut.Piece p : pieces) {
                try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.mp4().toFile())) {
                    g.start();
                    if (w == null) {
                        w = DeliveryWriter.open(DeliveryFormat.PRORES, mov, g.getImageWidth(), g.getImageHeight(), fps);
                    }
                    Frame f;
                    while ((f = g.grabImage()) != null) {
                        w.add(f);
                    }
                }
            }
            if (w != null) {
                w.finish();
            }
        } catch (IOException e) {
            throw new KinoException("Could not write the cut's ProRes copy " + mov + ": " + e.getMessage()
                    + "; check the disk.", e);
        } finally {
            if (w != null) {
                w.close();
            }
        }
    }

    private static void writeText(Path file, String text) {
        Path temp = file.resolveSibling("." + file.getFileName() + ".partial");
        try {
            Files.writeString(temp, text);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new KinoException("Could not write " + file + ": " + e.getMessage() + "; check the disk.", e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a hidden leftover of a failed write
            }
        }
    }
}
