package dev.kino.denoise;

import dev.kino.DivergedException;
import dev.kino.noise.TorchGenerator;
import dev.kino.schedule.Scheduler;
import dev.kino.schedule.Schedulers;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop's guard rail: latents that turn NaN or infinite stop the run at that step, named. */
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
}
