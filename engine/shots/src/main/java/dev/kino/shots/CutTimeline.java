package dev.kino.shots;

import java.net.URI;
import java.util.List;

/**
 * A cut as an editor's timeline: one video track of clips, each a picked take (its media file) from its in point
 * to its out point, played back to back at one frame rate. {@link OtioTimeline} and {@link CmxEdl} write it.
 *
 * @param name  the timeline's name (the project's)
 * @param fps   frames per second of every clip and of the timeline
 * @param clips in playing order
 */
public record CutTimeline(String name, int fps, List<Clip> clips) {
    /**
     * One clip.
     *
     * @param name   what the editor shows (the shot, and which take)
     * @param media  the take's file, as an absolute URI
     * @param frames frames in the media file (its available range)
     * @param in     first frame used (0: the start)
     * @param out    frame after the last one used ({@code frames}: to the end)
     */
    public record Clip(String name, URI media, int frames, int in, int out) {
        public Clip {
            if (in < 0 || out > frames || in >= out) {
                throw new IllegalArgumentException("in " + in + " / out " + out + " outside 0.." + frames);
            }
        }

        /** The whole take. */
        public static Clip whole(String name, URI media, int frames) {
            return new Clip(name, media, frames, 0, frames);
        }

        /** Frames on the timeline. */
        public int duration() {
            return out - in;
        }
    }

    public CutTimeline {
        clips = List.copyOf(clips);
        if (fps <= 0) {
            throw new IllegalArgumentException("fps " + fps);
        }
    }

    /** Frames from the start of the timeline to the start of clip {@code i}. */
    public int recordIn(int i) {
        int frames = 0;
        for (int k = 0; k < i; k++) {
            frames += clips.get(k).duration();
        }
        return frames;
    }
}
