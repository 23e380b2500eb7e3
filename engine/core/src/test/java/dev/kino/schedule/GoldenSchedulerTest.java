package dev.kino.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.noise.TorchGenerator;
import java.io.File;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every case and run of every {@code golden/schedulers_*.json} (diffusers' own trajectories under
 * the fake model) through Kino's scheduler and checks, at every step, what the golden README lists, with its
 * tolerances: timesteps (exact when integer, 5e-3 otherwise), sigmas and init_noise_sigma (relative 5e-5),
 * and latents_start, model_input, model_output and prev_sample ({@code max|a-g| <= 5e-5 * max(1, max|g|)}).
 * New files and cases are picked up without code changes.
 */
class GoldenSchedulerTest {
    private static final double FRACTIONAL_TIMESTEP_TOL = 5e-3;
    private static final double SIGMA_REL_TOL = 5e-5;
    private static final double ARRAY_TOL = 5e-5;

    /** Worst array error (relative to max(1, max|g|)) seen per golden file, reported after the run. */
    private static final Map<String, Double> WORST = new TreeMap<>();

    @TestFactory
    List<DynamicNode> everyGoldenTrajectory() throws Exception {
        List<DynamicNode> files = new ArrayList<>();
        for (File f : GoldenFiles.schedulerFiles()) {
            JsonNode golden = GoldenFiles.read(f);
            String className = golden.get("scheduler_class").asText();
            TorchGenerator.Kernel kernel = kernel(golden.get("provenance"));
            List<DynamicNode> cases = new ArrayList<>();
            for (JsonNode c : golden.get("cases")) {
                List<DynamicNode> runs = new ArrayList<>();
                for (JsonNode run : c.get("runs")) {
                    String label = c.get("name").asText() + " N=" + run.get("num_inference_steps").asInt();
                    runs.add(DynamicTest.dynamicTest(label, () -> replay(f.getName(), className, kernel, c, run)));
                }
                cases.add(DynamicContainer.dynamicContainer(c.get("name").asText(), runs));
            }
            files.add(DynamicContainer.dynamicContainer(f.getName(), cases));
        }
        return files;
    }

    @AfterAll
    static void report() {
        WORST.forEach((file, err) -> System.out.printf("golden %s: worst array error %.3g (relative to max(1,|g|))%n", file, err));
    }

    private static void replay(String file, String className, TorchGenerator.Kernel kernel, JsonNode c, JsonNode run) {
        Map<String, Object> config = new LinkedHashMap<>(GoldenFiles.map(c.get("config")));
        config.put("_class_name", className);
        Scheduler scheduler = Schedulers.fromConfig(config);
        int steps = run.get("num_inference_steps").asInt();
        int sequenceLength = sequenceLength(run);
        checkStepKwargs(c.get("step_kwargs"));

        if (run.get("steps").isEmpty()) {
            // diffusers produced no usable schedule (a NaN sigma): Kino must refuse it plainly instead.
            assertThrows(SchedulerException.class, () -> scheduler.setTimesteps(steps, sequenceLength));
            return;
        }
        scheduler.setTimesteps(steps, sequenceLength);
        checkPlan(scheduler, run);

        float[] latents = FakeModel.initialLatents(run.get("latents_start").size());
        JsonNode initSigma = run.get("init_noise_sigma");
        float sigma0 = initSigma.isNull() ? 1.0f : scheduler.initNoiseSigma();
        if (!initSigma.isNull()) {
            assertRelative(initSigma.asDouble(), sigma0, "init_noise_sigma");
        }
        for (int k = 0; k < latents.length; k++) {
            latents[k] = latents[k] * sigma0;
        }
        checkArray(file, "latents_start", run.get("latents_start"), latents);

        TorchGenerator generator = generator(c.get("noise"), kernel);
        float[] modelInput = new float[latents.length];
        float[] modelOutput = new float[latents.length];
        Iterator<JsonNode> goldenSteps = run.get("steps").elements();
        for (int i = 0; i < steps; i++) {
            JsonNode g = goldenSteps.next();
            scheduler.scaleModelInput(latents, i, modelInput);
            checkArray(file, "model_input step " + i, g.get("model_input"), modelInput);
            FakeModel.apply(modelInput, scheduler.timestep(i), modelOutput);
            checkArray(file, "model_output step " + i, g.get("model_output"), modelOutput);
            scheduler.step(modelOutput, i, latents, generator);
            if (g.has("solver_order_used") && scheduler instanceof DpmSolverScheduler dpm) {
                assertEquals(g.get("solver_order_used").asInt(), dpm.lastOrder(), "solver order at step " + i);
            }
            checkArray(file, "prev_sample step " + i, g.get("prev_sample"), latents);
        }
        checkArray(file, "final_latents", run.get("final_latents"), latents);
    }

    /** Timesteps, sigmas and (for DDIM) the alphas_cumprod values used, against the golden plan. */
    private static void checkPlan(Scheduler scheduler, JsonNode run) {
        double[] t = GoldenFiles.doubles(run.get("timesteps"));
        assertEquals(t.length, scheduler.steps(), "number of timesteps");
        boolean integer = "int64".equals(run.get("timesteps_dtype").asText());
        assertEquals(integer, scheduler.integerTimesteps(), "timestep dtype");
        for (int i = 0; i < t.length; i++) {
            if (integer) {
                assertEquals(t[i], scheduler.timestep(i), 0.0, "timestep " + i);
            } else {
                assertEquals(t[i], scheduler.timestep(i), FRACTIONAL_TIMESTEP_TOL, "timestep " + i);
            }
        }
        JsonNode sigmas = run.get("sigmas");
        if (sigmas != null && !sigmas.isNull()) {
            float[] g = GoldenFiles.floats(sigmas);
            float[] a = scheduler.sigmas();
            assertEquals(g.length, a.length, "number of sigmas");
            for (int i = 0; i < g.length; i++) {
                assertRelative(g[i], a[i], "sigma " + i);
            }
        }
        if (run.has("alphas_cumprod_at_timesteps") && scheduler instanceof DdimScheduler ddim) {
            float[] g = GoldenFiles.floats(run.get("alphas_cumprod_at_timesteps"));
            for (int i = 0; i < g.length; i++) {
                assertRelative(g[i], ddim.alphaCumprodAt(i), "alphas_cumprod at step " + i);
            }
            // The last step's "previous" alphas_cumprod is the final one.
            assertRelative(run.get("final_alpha_cumprod").asDouble(), ddim.alphaCumprodPrev(g.length - 1),
                    "final_alpha_cumprod");
        }
    }

    /** The Kino-side equivalent of set_timesteps' extra arguments (see models/reference/README.md). */
    private static int sequenceLength(JsonNode run) {
        JsonNode call = run.get("set_timesteps_call");
        Iterator<String> keys = call.fieldNames();
        boolean plain = true;
        while (keys.hasNext()) {
            plain &= keys.next().equals("num_inference_steps");
        }
        if (run.has("kino_sequence_length")) {
            return run.get("kino_sequence_length").asInt();
        }
        if (!plain) {
            fail("set_timesteps was called with " + call + " and the run gives no kino_sequence_length");
        }
        return 0;
    }

    private static void checkStepKwargs(JsonNode kwargs) {
        if (kwargs == null || kwargs.isNull()) {
            return;
        }
        kwargs.fields().forEachRemaining(e -> {
            if (!(e.getKey().equals("eta") && e.getValue().asDouble() == 0.0)) {
                fail("step() argument " + e.getKey() + "=" + e.getValue() + " has no Kino equivalent");
            }
        });
    }

    private static TorchGenerator generator(JsonNode noise, TorchGenerator.Kernel kernel) {
        if (noise == null || noise.isNull()) {
            return null;
        }
        return TorchGenerator.seeded(noise.get("seed").asLong(), kernel);
    }

    /** Stochastic steps drew their noise with PyTorch's AVX2 kernel when the file was made on such a CPU. */
    private static TorchGenerator.Kernel kernel(JsonNode provenance) {
        String capability = provenance == null || !provenance.has("torch_cpu_capability") ? ""
                : provenance.get("torch_cpu_capability").asText();
        return capability.startsWith("AVX") ? TorchGenerator.Kernel.AVX2 : TorchGenerator.Kernel.SCALAR;
    }

    private static void assertRelative(double expected, double actual, String what) {
        assertTrue(Math.abs(actual - expected) <= SIGMA_REL_TOL * Math.abs(expected),
                what + ": expected " + expected + " but was " + actual);
    }

    /** The README's array check; also records the worst error for the report. */
    private static void checkArray(String file, String what, JsonNode goldenArray, float[] actual) {
        float[] g = GoldenFiles.floats(goldenArray);
        assertEquals(g.length, actual.length, what + " length");
        double maxAbs = 1;
        double maxErr = 0;
        for (int k = 0; k < g.length; k++) {
            maxAbs = Math.max(maxAbs, Math.abs(g[k]));
            maxErr = Math.max(maxErr, Math.abs((double) actual[k] - g[k]));
        }
        double rel = maxErr / maxAbs;
        synchronized (WORST) {
            WORST.merge(file, rel, Math::max);
        }
        assertTrue(rel <= ARRAY_TOL, what + ": max error " + maxErr + " exceeds " + ARRAY_TOL + " * " + maxAbs);
    }
}
