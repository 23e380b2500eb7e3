package dev.kino.sweep.quality;

import dev.kino.tensor.FloatTensor;
import dev.kino.video.VideoFrames;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VideoQualityTest {
    private static final FloatTensor LATENTS = new FloatTensor(new long[] {1, 2, 2}, new float[] {1, 2, 3, 4});

    @Test
    void theReferenceAgainstItselfIsIdenticalOnEveryFigure() {
        VideoFrames v = TestFrames.video(TestFrames.ramp(), TestFrames.inverted());
        QualityFigures q = VideoQuality.compare(v, LATENTS, v, LATENTS);
        assertTrue(q.identicalToReference());
        assertEquals(Double.POSITIVE_INFINITY, q.psnrMeanDb());
        assertEquals(2, q.identicalFrames());
        assertEquals(1.0, q.ssimMean(), 1e-12);
        assertEquals(0.0, q.latentRelativeL2());
        assertEquals(1.0, q.temporalRatio(), 1e-12);
    }

    @Test
    void oneIdenticalFrameCountsAtTheCeilingNotAsInfinity() {
        VideoFrames ref = TestFrames.video(TestFrames.ramp(), TestFrames.ramp());
        VideoFrames run = TestFrames.video(TestFrames.ramp(), TestFrames.rampWithNoise());
        QualityFigures q = VideoQuality.compare(run, LATENTS, ref, LATENTS);
        assertFalse(q.identicalToReference());
        assertEquals(1, q.identicalFrames());
        double expected = (Psnr.ceiling(TestFrames.W * TestFrames.H * 3) + 33.91236596401883) / 2;
        assertEquals(expected, q.psnrMeanDb(), 1e-9);
        assertEquals(33.91236596401883, q.psnrMinDb(), 1e-9);
        assertEquals(Double.POSITIVE_INFINITY, q.psnrPerFrame().get(0));
        assertEquals(33.91236596401883, q.psnrPerFrame().get(1), 1e-9);
        assertEquals(1.0, q.ssimPerFrame().get(0), 1e-12);
        assertTrue(q.ssimPerFrame().get(1) < 1);
    }

    @Test
    void latentDistanceIsRelativeToTheReferencesNorm() {
        FloatTensor other = new FloatTensor(new long[] {1, 2, 2}, new float[] {1, 2, 3, 5});
        VideoFrames v = TestFrames.video(TestFrames.ramp());
        QualityFigures q = VideoQuality.compare(v, other, v, LATENTS);
        assertEquals(1 / Math.sqrt(30), q.latentRelativeL2(), 1e-12);
        assertEquals(0.5, q.latentRmse(), 1e-12);
    }

    @Test
    void temporalDifferenceIsTheMeanAbsoluteChangeBetweenFrames() {
        VideoFrames v = TestFrames.video(TestFrames.solid(10), TestFrames.solid(20), TestFrames.solid(50));
        assertEquals((10 + 30) / 2.0, TemporalDifference.of(v), 1e-12);
        assertTrue(Double.isNaN(TemporalDifference.of(TestFrames.video(TestFrames.solid(1)))));
    }

    @Test
    void aStillRunAgainstAMovingReferenceHasATemporalRatioBelowOne() {
        VideoFrames still = TestFrames.video(TestFrames.solid(10), TestFrames.solid(10));
        VideoFrames moving = TestFrames.video(TestFrames.solid(10), TestFrames.solid(30));
        assertEquals(0.0, VideoQuality.compare(still, LATENTS, moving, LATENTS).temporalRatio(), 1e-12);
    }

    @Test
    void videosOfDifferentLengthsCannotBeCompared() {
        VideoFrames one = TestFrames.video(TestFrames.ramp());
        VideoFrames two = TestFrames.video(TestFrames.ramp(), TestFrames.ramp());
        assertThrows(IllegalArgumentException.class, () -> VideoQuality.compare(one, LATENTS, two, LATENTS));
    }
}
