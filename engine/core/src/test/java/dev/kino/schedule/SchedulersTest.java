package dev.kino.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry: building by class and by Kino name, carrying config keys over, and the config policy. */
class SchedulersTest {

    /** Stable Diffusion 1.5's scheduler config as recent exports write it, with the PNDM leftovers they carry. */
    static Map<String, Object> sdConfig(String className) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", className);
        m.put("_diffusers_version", "0.6.0");
        m.put("beta_end", 0.012);
        m.put("beta_schedule", "scaled_linear");
        m.put("beta_start", 0.00085);
        m.put("clip_sample", false);
        m.put("num_train_timesteps", 1000);
        m.put("set_alpha_to_one", false);
        m.put("skip_prk_steps", true);
        m.put("steps_offset", 1);
        m.put("timestep_spacing", "leading");
        m.put("trained_betas", null);
        return m;
    }

    /** Wan 2.1's scheduler config (UniPC on flow sigmas). */
    static Map<String, Object> wanConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", "UniPCMultistepScheduler");
        m.put("_diffusers_version", "0.33.0.dev0");
        m.put("beta_end", 0.02);
        m.put("beta_schedule", "linear");
        m.put("beta_start", 0.0001);
        m.put("disable_corrector", List.of());
        m.put("dynamic_thresholding_ratio", 0.995);
        m.put("final_sigmas_type", "zero");
        m.put("flow_shift", 3.0);
        m.put("lower_order_final", true);
        m.put("num_train_timesteps", 1000);
        m.put("predict_x0", true);
        m.put("prediction_type", "flow_prediction");
        m.put("rescale_betas_zero_snr", false);
        m.put("sample_max_value", 1.0);
        m.put("solver_order", 2);
        m.put("solver_p", null);
        m.put("solver_type", "bh2");
        m.put("steps_offset", 0);
        m.put("thresholding", false);
        m.put("timestep_spacing", "linspace");
        m.put("trained_betas", null);
        m.put("use_beta_sigmas", false);
        m.put("use_exponential_sigmas", false);
        m.put("use_flow_sigmas", true);
        m.put("use_karras_sigmas", false);
        return m;
    }

    /** LTX-Video's scheduler config (flow-match Euler, dynamic shifting). */
    static Map<String, Object> ltxConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", "FlowMatchEulerDiscreteScheduler");
        m.put("base_image_seq_len", 1024);
        m.put("base_shift", 0.95);
        m.put("invert_sigmas", false);
        m.put("max_image_seq_len", 4096);
        m.put("max_shift", 2.05);
        m.put("num_train_timesteps", 1000);
        m.put("shift", 1.0);
        m.put("shift_terminal", 0.1);
        m.put("use_beta_sigmas", false);
        m.put("use_dynamic_shifting", true);
        m.put("use_exponential_sigmas", false);
        m.put("use_karras_sigmas", false);
        return m;
    }

    @Test
    void catalogListsEveryNameOnceWithADescription() {
        List<Schedulers.Info> catalog = Schedulers.catalog();
        assertEquals(catalog.size(), catalog.stream().map(Schedulers.Info::name).distinct().count());
        for (Schedulers.Info info : catalog) {
            assertFalse(info.description().isBlank(), info.name());
        }
        assertTrue(catalog.stream().anyMatch(i -> i.name().equals("flow-unipc") && i.forFlowModels()));
        assertTrue(catalog.stream().anyMatch(i -> i.name().equals("ddim") && !i.forFlowModels()));
    }

    @Test
    void everyCatalogNameBuildsForItsModelFamily() {
        for (Schedulers.Info info : Schedulers.catalog()) {
            Map<String, Object> model = info.forFlowModels() ? wanConfig() : sdConfig("DDIMScheduler");
            Scheduler s = Schedulers.byName(info.name(), model);
            assertEquals(info.name(), s.name());
            s.setTimesteps(8, 1560);
            assertEquals(8, s.steps());
            assertEquals(info.forFlowModels(), s.predictionType() == PredictionType.FLOW, info.name());
        }
    }

    @Test
    void unknownNameListsTheValidOnes() {
        SchedulerException e = assertThrows(SchedulerException.class,
                () -> Schedulers.byName("dpm-fast", sdConfig("DDIMScheduler")));
        for (Schedulers.Info info : Schedulers.catalog()) {
            assertTrue(e.getMessage().contains(info.name()), e.getMessage());
        }
    }

    @Test
    void familyMismatchNamesTheSchedulersThatFit() {
        SchedulerException e = assertThrows(SchedulerException.class,
                () -> Schedulers.byName("euler", wanConfig()));
        assertTrue(e.getMessage().contains("flow-unipc") && !e.getMessage().contains("ddim,"), e.getMessage());
        assertThrows(SchedulerException.class, () -> Schedulers.byName("flow-euler", sdConfig("DDIMScheduler")));
    }

    @Test
    void modelDefaultsComeFromTheClassName() {
        assertEquals("ddim", Schedulers.fromConfig(sdConfig("DDIMScheduler")).name());
        assertEquals("flow-unipc", Schedulers.fromConfig(wanConfig()).name());
        assertEquals("flow-euler", Schedulers.fromConfig(ltxConfig()).name());
        SchedulerException e = assertThrows(SchedulerException.class,
                () -> Schedulers.fromConfig(sdConfig("PNDMScheduler")));
        assertTrue(e.getMessage().contains("PNDMScheduler") && e.getMessage().contains("ddim"), e.getMessage());
    }

    @Test
    void trainingKeysCarryOverByName() {
        // SD's leading spacing with steps_offset 1 carries into Euler (diffusers' from_config).
        Scheduler euler = Schedulers.byName("euler", sdConfig("DDIMScheduler"));
        euler.setTimesteps(4, 0);
        assertEquals(751.0, euler.timestep(0));
        assertEquals(1.0, euler.timestep(3));
        float[] sigmas = euler.sigmas();
        assertEquals(Numerics.sqrtf(sigmas[0] * sigmas[0] + 1), euler.initNoiseSigma());
        // The name fixes the algorithm: dpmpp-2m-karras switches Karras sigmas on.
        Scheduler karras = Schedulers.byName("dpmpp-2m-karras", sdConfig("DDIMScheduler"));
        Scheduler plain = Schedulers.byName("dpmpp-2m", sdConfig("DDIMScheduler"));
        karras.setTimesteps(10, 0);
        plain.setTimesteps(10, 0);
        assertFalse(java.util.Arrays.equals(karras.sigmas(), plain.sigmas()));
    }

    @Test
    void flowShiftCarriesBetweenShiftAndFlowShift() {
        Scheduler euler = Schedulers.byName("flow-euler", wanConfig()); // flow_shift 3 -> shift 3
        Map<String, Object> shifted = new HashMap<>(Map.of("_class_name", "FlowMatchEulerDiscreteScheduler", "shift", 3.0));
        Scheduler direct = Schedulers.fromConfig(shifted);
        euler.setTimesteps(10, 0);
        direct.setTimesteps(10, 0);
        assertArrayEquals(direct.sigmas(), euler.sigmas());

        Scheduler unipc = Schedulers.byName("flow-unipc", Map.of("_class_name", "FlowMatchEulerDiscreteScheduler", "shift", 5.0));
        Map<String, Object> wan5 = wanConfig();
        wan5.put("flow_shift", 5.0);
        Scheduler wan = Schedulers.fromConfig(wan5);
        unipc.setTimesteps(10, 0);
        wan.setTimesteps(10, 0);
        assertArrayEquals(wan.sigmas(), unipc.sigmas());
    }

    @Test
    void ltxDynamicShiftingNeedsTheSequenceLength() {
        Scheduler s = Schedulers.fromConfig(ltxConfig());
        SchedulerException e = assertThrows(SchedulerException.class, () -> s.setTimesteps(10, 0));
        assertTrue(e.getMessage().contains("sequence length") || e.getMessage().contains("token"), e.getMessage());
        s.setTimesteps(10, 6930);
        float[] small = s.sigmas();
        s.setTimesteps(10, 1024);
        assertTrue(s.sigmas()[5] < small[5], "more tokens shift the schedule towards noise");
    }

    @Test
    void leftoverKeysOfOtherSamplersAreIgnored() {
        Map<String, Object> m = sdConfig("EulerDiscreteScheduler"); // clip_sample, set_alpha_to_one, skip_prk_steps
        m.put("solver_order", 3);
        m.put("variance_type", "fixed_small");
        assertEquals("euler", Schedulers.fromConfig(m).name());
    }

    @Test
    void modelFactsAnotherClassCannotHonourAreErrors() {
        Map<String, Object> m = sdConfig("DDIMScheduler");
        m.put("use_flow_sigmas", false); // neutral: fine
        m.put("shift", 1.0);
        Schedulers.fromConfig(m);
        m.put("variance_type", "learned_range");
        SchedulerException e = assertThrows(SchedulerException.class, () -> Schedulers.fromConfig(m));
        assertTrue(e.getMessage().contains("'variance_type'"), e.getMessage());
        m.remove("variance_type");
        m.put("shift", 3.0);
        e = assertThrows(SchedulerException.class, () -> Schedulers.fromConfig(m));
        assertTrue(e.getMessage().contains("'shift'"), e.getMessage());
    }

    @Test
    void unknownKeysAreErrorsUnlessEmpty() {
        Map<String, Object> m = sdConfig("DDIMScheduler");
        m.put("use_foo_sigmas", false);
        m.put("foo_notes", null);
        Schedulers.fromConfig(m);
        m.put("use_foo_sigmas", true);
        SchedulerException e = assertThrows(SchedulerException.class, () -> Schedulers.fromConfig(m));
        assertTrue(e.getMessage().contains("'use_foo_sigmas'"), e.getMessage());
    }

    @Test
    void unsupportedSettingsSayWhatToDo() {
        Map<String, Object> m = sdConfig("DDIMScheduler");
        m.put("thresholding", true);
        SchedulerException e = assertThrows(SchedulerException.class, () -> Schedulers.fromConfig(m));
        assertTrue(e.getMessage().contains("'thresholding'") && e.getMessage().contains("false"), e.getMessage());
        Map<String, Object> beta = sdConfig("EulerDiscreteScheduler");
        beta.put("use_beta_sigmas", true);
        e = assertThrows(SchedulerException.class, () -> Schedulers.fromConfig(beta));
        assertTrue(e.getMessage().contains("'use_beta_sigmas'"), e.getMessage());
        Map<String, Object> sde = sdConfig("DPMSolverMultistepScheduler");
        sde.put("algorithm_type", "sde-dpmsolver++");
        e = assertThrows(SchedulerException.class, () -> Schedulers.fromConfig(sde));
        assertTrue(e.getMessage().contains("'algorithm_type'"), e.getMessage());
    }

    @Test
    void predictionTypeIsCheckedAgainstTheManifest() {
        Scheduler wan = Schedulers.fromConfig(wanConfig());
        assertEquals(PredictionType.FLOW, wan.predictionType());
        Schedulers.checkPrediction(wan, "flow");
        Scheduler v = Schedulers.byName("ddim", with(sdConfig("DDIMScheduler"), "prediction_type", "v_prediction"));
        Schedulers.checkPrediction(v, "v_prediction");
        SchedulerException e = assertThrows(SchedulerException.class, () -> Schedulers.checkPrediction(v, "epsilon"));
        assertTrue(e.getMessage().contains("v_prediction") && e.getMessage().contains("epsilon"), e.getMessage());
    }

    private static Map<String, Object> with(Map<String, Object> m, String key, Object value) {
        m.put(key, value);
        return m;
    }
}
