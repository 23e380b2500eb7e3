package dev.kino.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kino.noise.TorchGenerator;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole runs the way the pipeline drives them (noise * init sigma, scale, denoise, step), for every
 * scheduler in the catalog: a seed reproduces its latents bit for bit, and steps allocate no latent-sized
 * arrays.
 */
class SchedulerRunTest {
    private static final int STEPS = 12;

    static Stream<String> names() {
        return Schedulers.catalog().stream().map(Schedulers.Info::name);
    }

    private static Map<String, Object> modelFor(String name) {
        boolean flow = Schedulers.catalog().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow().forFlowModels();
        return flow ? SchedulersTest.wanConfig() : SchedulersTest.sdConfig("DDIMScheduler");
    }

    /** One generation with the fake denoiser, from seeded noise. */
    static float[] run(Scheduler s, long seed, int n) {
        TorchGenerator generator = TorchGenerator.seeded(seed);
        float[] latents = new float[n];
        generator.randn(latents);
        s.setTimesteps(STEPS, 1560);
        float sigma = s.initNoiseSigma();
        for (int k = 0; k < n; k++) {
            latents[k] = latents[k] * sigma;
        }
        float[] input = new float[n];
        float[] output = new float[n];
        for (int i = 0; i < s.steps(); i++) {
            s.scaleModelInput(latents, i, input);
            FakeModel.apply(input, s.timestep(i), output);
            s.step(output, i, latents, generator);
        }
        return latents;
    }

    @ParameterizedTest
    @MethodSource("names")
    void sameSeedGivesBitIdenticalLatents(String name) {
        Scheduler a = Schedulers.byName(name, modelFor(name));
        float[] first = run(a, 1234, 3 * 256);
        float[] again = run(a, 1234, 3 * 256); // same instance: setTimesteps must reset all state
        float[] fresh = run(Schedulers.byName(name, modelFor(name)), 1234, 3 * 256);
        assertArrayEquals(first, again, name + " rerun on the same instance");
        assertArrayEquals(first, fresh, name + " on a new instance");
        for (float v : first) {
            assertTrue(Float.isFinite(v), name + " produced " + v);
        }
        float[] other = run(a, 1235, 3 * 256);
        assertFalse(Arrays.equals(first, other), name + " ignores the seed");
    }

    @ParameterizedTest
    @MethodSource("names")
    void stepsAllocateNoLatentSizedArrays(String name) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int n = 1 << 20; // 4 MiB per latent array
        Scheduler s = Schedulers.byName(name, modelFor(name));
        float[] latents = new float[n];
        float[] output = new float[n];
        TorchGenerator generator = TorchGenerator.seeded(0);
        generator.randn(latents);
        s.setTimesteps(STEPS, 1560);
        FakeModel.apply(latents, s.timestep(0), output);
        s.step(output, 0, latents, generator); // the first step may size the run's work arrays
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 1; i < s.steps(); i++) {
            s.scaleModelInput(latents, i, latents);
            s.step(output, i, latents, generator);
        }
        long perStep = (mx.getCurrentThreadAllocatedBytes() - before) / (s.steps() - 1);
        assertTrue(perStep < 64 * 1024, name + " allocates " + perStep + " bytes per step");
    }
}
