package dev.kino.denoise;

import dev.kino.DivergedException;
import dev.kino.noise.TorchGenerator;
import dev.kino.schedule.Scheduler;
import dev.kino.schedule.Schedulers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loop's guard rail (latents that turn NaN or infinite stop the run at that step, named), its cancel rule
 * and the step times it reports.
 */
class DenoisingLoopTest {
    private static Scheduler ddim() {
        Scheduler s = Schedulers.fromConfig(Map.of("_class_name", "DDIMScheduler", "clip_sample", false));
        s.setTimesteps(6, 0);
        return s;
    }

    /** A denoiser that predicts zero noise until step {@code badFrom}, then {@code bad}. */
    private static Denoiser.Run failingAt(int badFrom, float bad, Scheduler s) {
        return new Denoiser.Run() {
            @Override
            public void predict(float[] modelInput, double timestep, float[] out) {
                java.util.Arrays.fill(out, timestep <= s.timestep(badFrom) ? bad : 0f);
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void nanLatentsStopTheRunAtTheStepThatMadeThem() {
        Scheduler s = ddim();
        float[] latents = new float[64];
        java.util.Arrays.fill(latents, 0.5f);
        DivergedException e = assertThrows(DivergedException.class, () -> DenoisingLoop.run(s, failingAt(3, Float.NaN, s),
                latents, new long[] {1, 4, 1, 4, 4}, TorchGenerator.seeded(0), 0, ev -> true));
        assertEquals(3, e.step());
        assertTrue(e.getMessage().contains("NaN at step 4 of 6") && e.getMessage().contains("guidance"), e.getMessage());
    }

    @Test
    void infiniteLatentsToo() {
        Scheduler s = ddim();
        DivergedException e = assertThrows(DivergedException.class, () -> DenoisingLoop.run(s,
                failingAt(0, Float.MAX_VALUE, s), new float[64], new long[] {1, 4, 1, 4, 4}, TorchGenerator.seeded(0), 0,
                ev -> true));
        assertEquals(0, e.step());
        assertTrue(e.getMessage().contains("infinite"), e.getMessage());
    }

    @Test
    void finiteRunsFinish() {
        Scheduler s = ddim();
        float[] latents = new float[64];
        assertEquals(6, DenoisingLoop.run(s, failingAt(5, 0.1f, s), latents, new long[] {1, 4, 1, 4, 4},
                TorchGenerator.seeded(0), 0, ev -> true).length);
        assertEquals(2, DenoisingLoop.run(s, failingAt(5, 0.1f, s), latents, new long[] {1, 4, 1, 4, 4},
                TorchGenerator.seeded(0), 4, ev -> true).length, "from step 4: two steps");
    }

    @Test
    void aStopAskedAtTheLastStepStillFinishesAndOneAskedEarlierCancelsAfterThatStep() {
        Scheduler s = ddim();
        long[] shape = {1, 4, 1, 4, 4};
        // nothing is left to save by stopping once the last step is done: the run finishes
        assertEquals(6, DenoisingLoop.run(s, failingAt(5, 0f, s), new float[64], shape, TorchGenerator.seeded(0), 0,
                ev -> ev.step() < 5).length);
        DenoisingLoop.Cancelled c = assertThrows(DenoisingLoop.Cancelled.class, () -> DenoisingLoop.run(s,
                failingAt(5, 0f, s), new float[64], shape, TorchGenerator.seeded(0), 0, ev -> ev.step() < 4));
        assertEquals(5, c.completedSteps());
    }

    @Test
    void theEventsViewReadsTheLiveLatents() {
        Scheduler s = ddim();
        float[] latents = new float[64];
        java.util.Arrays.fill(latents, 0.5f);
        DenoisingLoop.run(s, failingAt(5, 0.1f, s), latents, new long[] {1, 4, 1, 4, 4}, TorchGenerator.seeded(0), 5,
                e -> {
                    float[] copy = e.latents().copy();
                    assertArrayEquals(latents, copy, "after the step");
                    for (int k = 0; k < copy.length; k++) {
                        assertEquals(latents[k], e.latents().get(k));
                    }
                    return true;
                });
    }

    @Test
    void stepTimesAreEachStepsOwnAndElapsedTimeAddsThemUp() {
        Scheduler s = ddim();
        List<StepEvent> events = new ArrayList<>();
        long before = System.nanoTime();
        Duration[] times = DenoisingLoop.run(s, failingAt(5, 0f, s), new float[64], new long[] {1, 4, 1, 4, 4},
                TorchGenerator.seeded(0), 2, events::add);
        Duration total = Duration.ofNanos(System.nanoTime() - before);
        assertEquals(4, times.length, "steps 2 to 5");
        Duration sum = Duration.ZERO;
        for (int i = 0; i < times.length; i++) {
            StepEvent e = events.get(i);
            assertEquals(2 + i, e.step());
            assertEquals(times[i], e.stepTime(), "the event reports the step's own time");
            assertArrayEquals(new long[] {1, 4, 1, 4, 4}, e.latents().shape());
            assertTrue(!e.stepTime().isNegative() && e.stepTime().compareTo(total) <= 0, e.stepTime() + " vs " + total);
            sum = sum.plus(e.stepTime());
            assertTrue(e.elapsed().compareTo(sum) >= 0 && e.elapsed().compareTo(total) <= 0,
                    "elapsed " + e.elapsed() + " covers the steps so far (" + sum + ") within the run (" + total + ")");
        }
    }
}
