package dev.kino.schedule;

import dev.kino.noise.TorchGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stop after step k, keep only bytes (scheduler state, generator state, latents), build everything anew and
 * continue: the result equals the uninterrupted run bit for bit, for every scheduler of the catalog, the
 * stochastic ones and third-order solvers too, at every k.
 */
class SchedulerResumeTest {
    private static final int STEPS = 9;
    private static final int N = 3 * 256 + 5; // not a multiple of 16: the generator's tail path runs too

    /** A scheduler's name and the model config it is built on (named variants get extra settings). */
    record Case(String name, Map<String, Object> config) {
        @Override
        public String toString() {
            return name + (config.containsKey("stochastic_sampling") ? " stochastic" : "")
                    + (Integer.valueOf(3).equals(config.get("solver_order")) ? " order 3" : "");
        }
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (Schedulers.Info info : Schedulers.catalog()) {
            Scheduler s = Schedulers.byName(info.name(), info.forFlowModels() ? SchedulersTest.wanConfig()
                    : SchedulersTest.sdConfig("DDIMScheduler"));
            cases.add(new Case(info.name(), s.config().asMap()));
        }
        Map<String, Object> stochastic = new LinkedHashMap<>(config("flow-euler"));
        stochastic.put("stochastic_sampling", true);
        cases.add(new Case("flow-euler", stochastic));
        for (String name : List.of("dpmpp-2m", "unipc", "flow-unipc")) {
            Map<String, Object> third = new LinkedHashMap<>(config(name));
            third.put("solver_order", 3);
            cases.add(new Case(name, third));
        }
        return cases.stream();
    }

    private static Map<String, Object> config(String name) {
        boolean flow = name.startsWith("flow");
        return Schedulers.byName(name, flow ? SchedulersTest.wanConfig() : SchedulersTest.sdConfig("DDIMScheduler"))
                .config().asMap();
    }

    /** Runs steps [from, to) on latents in place. */
    private static void steps(Scheduler s, TorchGenerator g, float[] latents, int from, int to) {
        float[] input = new float[latents.length];
        float[] output = new float[latents.length];
        for (int i = from; i < to; i++) {
            s.scaleModelInput(latents, i, input);
            FakeModel.apply(input, s.timestep(i), output);
            s.step(output, i, latents, g);
        }
    }

    private static float[] start(Scheduler s, TorchGenerator g) {
        s.setTimesteps(STEPS, 1560);
        float[] latents = g.randn(N);
        float sigma = s.initNoiseSigma();
        for (int k = 0; k < N; k++) {
            latents[k] *= sigma;
        }
        return latents;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void resumingFromBytesAfterAnyStepIsBitIdentical(Case c) {
        Scheduler whole = Schedulers.fromConfig(c.name(), c.config());
        TorchGenerator g = TorchGenerator.seeded(77, TorchGenerator.Kernel.AVX2);
        float[] expected = start(whole, g);
        steps(whole, g, expected, 0, STEPS);
        for (float v : expected) {
            assertTrue(Float.isFinite(v), c + " diverged");
        }

        for (int k = 1; k < STEPS; k++) {
            Scheduler first = Schedulers.fromConfig(c.name(), c.config());
            TorchGenerator g1 = TorchGenerator.seeded(77, TorchGenerator.Kernel.AVX2);
            float[] latents = start(first, g1);
            steps(first, g1, latents, 0, k);
            byte[] schedulerState = first.saveState();
            byte[] generatorState = g1.saveState();
            float[] saved = latents.clone();
            // the first run's objects keep going with other work: the saved bytes must not share their arrays
            steps(first, g1, latents, k, STEPS);

            Scheduler second = Schedulers.fromConfig(c.name(), c.config());
            second.setTimesteps(STEPS, 1560);
            second.restoreState(schedulerState);
            TorchGenerator g2 = TorchGenerator.fromState(generatorState);
            steps(second, g2, saved, k, STEPS);
            assertArrayEquals(expected, saved, c + " resumed after step " + k);
        }
    }

    @Test
    void multistepStateCarriesTheHistory() {
        // Without the history a resumed DPM-Solver would fall back to first order and differ: the test above
        // would catch a state that forgets it, this one shows the state is not trivially empty.
        Scheduler s = Schedulers.fromConfig("dpmpp-2m", config("dpmpp-2m"));
        TorchGenerator g = TorchGenerator.seeded(1);
        float[] latents = start(s, g);
        steps(s, g, latents, 0, 3);
        assertTrue(s.saveState().length > 2 * N * 4, "the state holds two x0 predictions");
        Scheduler fresh = Schedulers.fromConfig("dpmpp-2m", config("dpmpp-2m"));
        fresh.setTimesteps(STEPS, 1560);
        float[] a = latents.clone();
        float[] b = latents.clone();
        steps(fresh, TorchGenerator.seeded(1), a, 3, STEPS); // no state restored
        steps(s, g, b, 3, STEPS);
        assertFalse(java.util.Arrays.equals(a, b));
    }

    @Test
    void stateOfAnotherSchedulerOrPlanIsRefusedInOneSentence() {
        Scheduler dpm = Schedulers.fromConfig("dpmpp-2m", config("dpmpp-2m"));
        dpm.setTimesteps(STEPS, 0);
        Scheduler uni = Schedulers.fromConfig("unipc", config("unipc"));
        uni.setTimesteps(STEPS, 0);
        SchedulerException e = assertThrows(SchedulerException.class, () -> uni.restoreState(dpm.saveState()));
        assertTrue(e.getMessage().contains("dpmpp-2m"), e.getMessage());
        Scheduler shorter = Schedulers.fromConfig("dpmpp-2m", config("dpmpp-2m"));
        shorter.setTimesteps(STEPS - 1, 0);
        assertThrows(SchedulerException.class, () -> shorter.restoreState(dpm.saveState()));
        byte[] cut = java.util.Arrays.copyOf(dpm.saveState(), 10);
        assertThrows(SchedulerException.class, () -> dpm.restoreState(cut));
    }
}
