package dev.kino.shots;

/**
 * How a take's MP4 is written, the same everywhere ({@code kino generate}, {@code kino render}, the server), so
 * that equal requests give byte-equal files: enlarged by a whole factor with a Lanczos filter until the shorter
 * side is at least {@value #VIEWING_SIZE} pixels (at most 8 times, and never past the largest frame H.264 holds:
 * 4096x16 becomes 8192x32, not an unplayable 32768x128), which makes tiny models' videos watchable.
 */
public final class TakeVideo {
    /** Shorter side, in pixels, that {@link #viewingScale} enlarges small videos to. */
    public static final int VIEWING_SIZE = 256;

    private TakeVideo() {
    }

    /** The whole-number enlargement for a {@code width × height} video: 1 when it is large enough already. */
    public static int viewingScale(int width, int height) {
        int shorter = Math.min(width, height);
        int cap = Math.min(8, dev.kino.video.Mp4Writer.maxUpscale(width, height));
        int factor = 1;
        while ((long) shorter * factor < VIEWING_SIZE && factor < cap) {
            factor++;
        }
        return factor;
    }
}
