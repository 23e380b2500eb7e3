package dev.kino.sweep.quality;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PsnrTest {

    @Test
    void identicalFramesHaveInfinitePsnr() {
        assertEquals(Double.POSITIVE_INFINITY, Psnr.frame(TestFrames.ramp(), TestFrames.ramp()));
    }

    @Test
    void everyValueOffByOneIsMseOne() {
        // MSE 1 → 10·log10(255²) = 48.1308 dB
        assertEquals(48.1308, Psnr.frame(TestFrames.solid(100), TestFrames.solid(101)), 1e-4);
    }

    @Test
    void matchesNumpyOnTheNoisyRamp() {
        assertEquals(33.91236596401883, Psnr.frame(TestFrames.rampWithNoise(), TestFrames.ramp()), 1e-9);
    }

    @Test
    void ceilingIsOneValueOffByOne() {
        int n = TestFrames.W * TestFrames.H * 3;
        byte[] a = TestFrames.solid(10);
        byte[] b = a.clone();
        b[17] = 11;
        assertEquals(Psnr.frame(a, b), Psnr.ceiling(n), 1e-9);
    }

    @Test
    void framesOfDifferentSizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Psnr.frame(new byte[3], new byte[6]));
    }
}
