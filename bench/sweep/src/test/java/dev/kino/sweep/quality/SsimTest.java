package dev.kino.sweep.quality;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden values from an independent NumPy/SciPy implementation (2-D {@code convolve2d(..., 'valid')} with the
 * outer product of the 11-tap Gaussian, σ = 1.5, on BT.601 luma), not from this code.
 */
class SsimTest {
    private static final int W = TestFrames.W;
    private static final int H = TestFrames.H;

    @Test
    void identicalFramesScoreOne() {
        assertEquals(1.0, Ssim.frame(TestFrames.ramp(), TestFrames.ramp(), W, H), 1e-12);
    }

    @Test
    void matchesTheNumpyReferenceOnASmallDistortion() {
        assertEquals(0.989426528775332, Ssim.frame(TestFrames.rampWithNoise(), TestFrames.ramp(), W, H), 1e-9);
    }

    @Test
    void matchesTheNumpyReferenceOnAnInvertedFrame() {
        assertEquals(-0.6952918921472947, Ssim.frame(TestFrames.inverted(), TestFrames.ramp(), W, H), 1e-9);
    }

    @Test
    void isSymmetric() {
        double ab = Ssim.frame(TestFrames.rampWithNoise(), TestFrames.ramp(), W, H);
        double ba = Ssim.frame(TestFrames.ramp(), TestFrames.rampWithNoise(), W, H);
        assertEquals(ab, ba, 1e-12);
    }

    @Test
    void aBrightnessShiftLowersIt() {
        double s = Ssim.frame(TestFrames.solid(60), TestFrames.solid(160), W, H);
        assertTrue(s < 0.7, "ssim " + s);
    }

    @Test
    void framesSmallerThanTheWindowAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Ssim.frame(new byte[10 * 10 * 3], new byte[10 * 10 * 3], 10, 10));
    }
}
