package dev.kino.sweep.quality;

/**
 * Peak signal-to-noise ratio between two 8-bit frames: {@code 10·log10(255² / MSE)} in decibels, over every
 * R, G and B value. Identical frames have an MSE of zero and so an infinite PSNR.
 *
 * <p>PSNR only measures how far pixels moved from the reference's; it says nothing about whether the
 * result looks good, and two equally plausible videos can score low against each other.
 */
public final class Psnr {
    private static final double PEAK_SQUARED = 255.0 * 255.0;

    private Psnr() {
    }

    /** PSNR of one frame against its reference, in dB; {@code +∞} when they are identical. */
    public static double frame(byte[] frame, byte[] reference) {
        if (frame.length != reference.length) {
            throw new IllegalArgumentException("frames of " + frame.length + " and " + reference.length + " values");
        }
        long sumSquares = 0;
        for (int i = 0; i < frame.length; i++) {
            int d = (frame[i] & 0xff) - (reference[i] & 0xff);
            sumSquares += (long) d * d;
        }
        if (sumSquares == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double mse = (double) sumSquares / frame.length;
        return 10 * Math.log10(PEAK_SQUARED / mse);
    }

    /**
     * The highest finite PSNR a frame of {@code values} 8-bit values can have: one value off by one. Identical
     * frames count as this when a video's PSNR is averaged over frames, so that one identical frame does not
     * turn the whole video's mean infinite.
     */
    public static double ceiling(int values) {
        return 10 * Math.log10(PEAK_SQUARED * values);
    }
}
