package dev.kino.sweep.quality;

import dev.kino.video.VideoFrames;

/**
 * Mean absolute difference between consecutive frames, on the 0–255 scale of 8-bit values: how much the
 * picture changes from one frame to the next. Comparing a run's figure with the reference's tells whether
 * fewer steps made the video flicker more (higher) or freeze (lower); it cannot tell intended motion from
 * flicker, and it is undefined for a single frame.
 */
public final class TemporalDifference {
    private TemporalDifference() {
    }

    /** The mean frame-to-frame difference, or NaN for fewer than two frames. */
    public static double of(VideoFrames video) {
        if (video.count() < 2) {
            return Double.NaN;
        }
        double total = 0;
        for (int i = 1; i < video.count(); i++) {
            byte[] prev = video.frame(i - 1);
            byte[] cur = video.frame(i);
            long sum = 0;
            for (int j = 0; j < cur.length; j++) {
                sum += Math.abs((cur[j] & 0xff) - (prev[j] & 0xff));
            }
            total += (double) sum / cur.length;
        }
        return total / (video.count() - 1);
    }
}
