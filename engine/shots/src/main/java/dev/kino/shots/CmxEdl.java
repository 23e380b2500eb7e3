package dev.kino.shots;

import java.util.Locale;

/**
 * A {@link CutTimeline} as a CMX 3600 edit decision list: one cut ({@code C}) video event per clip, with the
 * take's source in/out and the record in/out on a timeline starting at 01:00:00:00, non-drop-frame timecode at
 * the cut's rate. Reels are {@code AX} (a file, not a tape); each event's {@code * FROM CLIP NAME:} and
 * {@code * SOURCE FILE:} comments name the take, which is how editors relink an EDL to media.
 */
public final class CmxEdl {
    /** The record timecode of the first frame: one hour, as editors' timelines start. */
    public static final int RECORD_START_HOURS = 1;

    private CmxEdl() {
    }

    /** The EDL's text (CRLF-free ASCII lines; titles and names are cut to ASCII). */
    public static String text(CutTimeline cut) {
        StringBuilder b = new StringBuilder();
        b.append("TITLE: ").append(ascii(cut.name())).append('\n');
        b.append("FCM: NON-DROP FRAME\n\n");
        long start = (long) RECORD_START_HOURS * 3600 * cut.fps();
        for (int i = 0; i < cut.clips().size(); i++) {
            CutTimeline.Clip c = cut.clips().get(i);
            long recIn = start + cut.recordIn(i);
            b.append(String.format(Locale.ROOT, "%03d  %-8s %-6s%-9s%s %s %s %s%n", i + 1, "AX", "V", "C",
                    timecode(c.in(), cut.fps()), timecode(c.out(), cut.fps()), timecode(recIn, cut.fps()),
                    timecode(recIn + c.duration(), cut.fps())).replace(System.lineSeparator(), "\n"));
            b.append("* FROM CLIP NAME: ").append(ascii(c.name())).append('\n');
            b.append("* SOURCE FILE: ").append(ascii(c.media().getPath())).append("\n\n");
        }
        return b.toString();
    }

    /** {@code HH:MM:SS:FF} of frame {@code frames} at {@code fps} (non-drop frame). */
    public static String timecode(long frames, int fps) {
        long ff = frames % fps;
        long seconds = frames / fps;
        return String.format(Locale.ROOT, "%02d:%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60, ff);
    }

    private static String ascii(String s) {
        return s.replaceAll("[^\\x20-\\x7E]", "_");
    }
}
