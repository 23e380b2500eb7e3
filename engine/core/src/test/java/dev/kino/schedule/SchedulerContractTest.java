package dev.kino.schedule;

import dev.kino.noise.TorchGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every scheduler promises a library user besides its numbers (which the golden tests hold against
 * diffusers): misuse is refused with a sentence instead of garbage, a saved state is taken whole or not at all,
 * settings Kino cannot honour are named, and latents large enough to be stepped in parallel tiles (Wan-size
 * latents) come out exactly as the sequential path the golden tests check makes them.
 */
class SchedulerContractTest {

    static java.util.stream.Stream<String> names() {
        return SchedulerRunTest.names();
    }

    private static Scheduler scheduler(String name) {
        boolean flow = Schedulers.catalog().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow()
                .forFlowModels();
        return Schedulers.byName(name, flow ? SchedulersTest.wanConfig() : SchedulersTest.sdConfig("DDIMScheduler"));
    }

    @ParameterizedTest
    @MethodSource("names")
    void stepsOutsideThePlanAndMismatchedArraysAreRefused(String name) {
        Scheduler s = scheduler(name);
        float[] x = new float[8];
        TorchGenerator g = TorchGenerator.seeded(0);
        assertTrue(assertThrows(IllegalStateException.class, () -> s.step(x, 0, x.clone(), g)).getMessage()
                .startsWith("setTimesteps must be called before stepping"), name);
        SchedulerException none = assertThrows(SchedulerException.class, () -> s.setTimesteps(0, 1560));
        assertEquals("The number of steps must be at least 1, not 0.", none.getMessage());
        s.setTimesteps(4, 1560);
        for (int i : new int[] {-1, 4}) {
            String planned = "Step " + i + " outside the planned 4 steps.";
            assertEquals(planned, assertThrows(IndexOutOfBoundsException.class, () -> s.timestep(i)).getMessage());
            assertEquals(planned, assertThrows(IndexOutOfBoundsException.class,
                    () -> s.scaleModelInput(x, i, new float[8])).getMessage());
            assertEquals(planned, assertThrows(IndexOutOfBoundsException.class,
                    () -> s.step(new float[8], i, x, g)).getMessage());
        }
        IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
                () -> s.step(new float[9], 0, new float[8], g));
        assertEquals("Model output has 9 values but the latents have 8.", lengths.getMessage());
    }

    @ParameterizedTest
    @MethodSource("names")
    void aSavedStateWithBytesAddedIsRefused(String name) {
        Scheduler s = scheduler(name);
        s.setTimesteps(4, 1560);
        byte[] state = s.saveState();
        s.restoreState(state);
        byte[] longer = Arrays.copyOf(state, state.length + 1);
        assertThrows(SchedulerException.class, () -> s.restoreState(longer));
    }

    @ParameterizedTest
    @MethodSource("names")
    void aStateSavedBeforeTheFirstStepResumesToTheSameLatents(String name) {
        float[] start = new float[64];
        TorchGenerator.seeded(3).randn(start);
        Scheduler planned = scheduler(name);
        planned.setTimesteps(4, 1560);
        Scheduler resumed = scheduler(name);
        resumed.setTimesteps(4, 1560);
        resumed.restoreState(planned.saveState());
        assertArrayEquals(run(planned, start), run(resumed, start), name);
    }

    /** One run of the fake model from {@code start}, {@code steps} steps. */
    private static float[] run(String name, float[] start, int steps) {
        Scheduler s = scheduler(name);
        s.setTimesteps(steps, 1560);
        return run(s, start);
    }

    /** The planned steps of {@code s} from {@code start}. */
    private static float[] run(Scheduler s, float[] start) {
        float[] latents = start.clone();
        float[] input = new float[latents.length];
        float[] output = new float[latents.length];
        TorchGenerator g = TorchGenerator.seeded(5);
        for (int i = 0; i < s.steps(); i++) {
            s.scaleModelInput(latents, i, input);
            FakeModel.apply(input, s.timestep(i), output);
            s.step(output, i, latents, g);
        }
        return latents;
    }

    @ParameterizedTest
    @MethodSource("names")
    void latentsSteppedInParallelTilesEqualThoseSteppedInOnePiece(String name) {
        if (name.equals("euler-a")) {
            return; // draws noise for the whole array each step, so its halves are no smaller run of it
        }
        int half = (1 << 18) - 3;          // below Tiles' parallel threshold; the whole is above it
        float[] start = new float[2 * half];
        TorchGenerator.seeded(11).randn(start);
        float[] whole = run(name, start, 3);
        float[] first = run(name, Arrays.copyOfRange(start, 0, half), 3);
        float[] second = run(name, Arrays.copyOfRange(start, half, 2 * half), 3);
        assertArrayEquals(first, Arrays.copyOfRange(whole, 0, half), name + " first half");
        assertArrayEquals(second, Arrays.copyOfRange(whole, half, 2 * half), name + " second half");
    }

    private static Map<String, Object> sd(String className, Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>(SchedulersTest.sdConfig(className));
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    @Test
    void aModelsConfigNamesItsScheduler() {
        assertEquals("dpmpp-2m", Schedulers.fromConfig(sd("DPMSolverMultistepScheduler")).name());
        assertEquals("dpmpp-2m-karras",
                Schedulers.fromConfig(sd("DPMSolverMultistepScheduler", "use_karras_sigmas", true)).name());
        Map<String, Object> flow = new LinkedHashMap<>(SchedulersTest.wanConfig());
        flow.put("_class_name", "DPMSolverMultistepScheduler");
        assertEquals("flow-dpmpp-2m", Schedulers.fromConfig(flow).name());
    }

    @Test
    void aSchedulerOfTheOtherFamilyIsRefusedNamingBoth() {
        SchedulerException flowOnSd = assertThrows(SchedulerException.class,
                () -> Schedulers.byName("flow-euler", SchedulersTest.sdConfig("DDIMScheduler")));
        assertTrue(flowOnSd.getMessage().startsWith("Scheduler 'flow-euler' is for flow-matching models but this model"
                + " is noise-prediction (epsilon / v); choose one of: ddim, "), flowOnSd.getMessage());
        SchedulerException sdOnFlow = assertThrows(SchedulerException.class,
                () -> Schedulers.byName("euler", SchedulersTest.wanConfig()));
        assertTrue(sdOnFlow.getMessage().startsWith("Scheduler 'euler' is for noise-prediction (epsilon / v) models"
                + " but this model is flow-matching; choose one of: flow-euler"), sdOnFlow.getMessage());
    }

    @Test
    void settingsKinoCannotHonourAreNamed() {
        for (String cls : new String[] {"DPMSolverMultistepScheduler", "UniPCMultistepScheduler"}) {
            assertEquals(3, Schedulers.fromConfig(sd(cls, "solver_order", 3)).config().getInt("solver_order", 0));
            for (int order : new int[] {0, 4}) {
                SchedulerException e = assertThrows(SchedulerException.class,
                        () -> Schedulers.fromConfig(sd(cls, "solver_order", order)));
                assertTrue(e.getMessage().contains("'solver_order' is " + order), e.getMessage());
            }
            SchedulerException t = assertThrows(SchedulerException.class,
                    () -> Schedulers.fromConfig(sd(cls, "thresholding", true)));
            assertTrue(t.getMessage().contains("does not implement dynamic thresholding"), t.getMessage());
        }
        SchedulerException shift = assertThrows(SchedulerException.class,
                () -> Schedulers.fromConfig(sd("EulerDiscreteScheduler", "flow_shift", 3.0)));
        assertEquals("Scheduler setting 'flow_shift' (3.0) has no effect on EulerDiscreteScheduler; it belongs to"
                + " flow-matching schedulers, remove it.", shift.getMessage());
        SchedulerException named = assertThrows(SchedulerException.class,
                () -> Schedulers.fromConfig(Map.of("_class_name", "FlowMatchEulerDiscreteScheduler", "flow_shift", 3.0)));
        assertEquals("Scheduler setting 'flow_shift' (3.0) has no effect on FlowMatchEulerDiscreteScheduler; it is"
                + " called 'shift' there.", named.getMessage());
        SchedulerException unipc = assertThrows(SchedulerException.class,
                () -> Schedulers.fromConfig(sd("UniPCMultistepScheduler", "shift", 3.0)));
        assertEquals("Scheduler setting 'shift' (3.0) has no effect on UniPCMultistepScheduler; it is called"
                + " 'flow_shift' there.", unipc.getMessage());
    }

    @Test
    void neutralValuesOfSettingsKinoDoesNotUseAreAcceptedAndOthersRefused() {
        assertEquals("euler", Schedulers.fromConfig(sd("EulerDiscreteScheduler", "flow_shift", 1.0)).name(),
                "flow_shift 1 shifts nothing");
        for (Object neutral : new Object[] {"", java.util.List.of(), Map.of(), false}) {
            Schedulers.fromConfig(sd("EulerDiscreteScheduler", "my_setting", neutral));
        }
        SchedulerException unknown = assertThrows(SchedulerException.class,
                () -> Schedulers.fromConfig(sd("EulerDiscreteScheduler", "my_setting", "x")));
        assertTrue(unknown.getMessage().startsWith("Kino does not know the scheduler setting 'my_setting' (x)"),
                unknown.getMessage());
        Schedulers.fromConfig(Map.of("_class_name", "FlowMatchEulerDiscreteScheduler",
                "prediction_type", "flow_prediction"));
        SchedulerException epsilon = assertThrows(SchedulerException.class, () -> Schedulers.fromConfig(
                Map.of("_class_name", "FlowMatchEulerDiscreteScheduler", "prediction_type", "epsilon")));
        assertTrue(epsilon.getMessage().contains("samples flow-matching models only"), epsilon.getMessage());
        SchedulerException two = assertThrows(SchedulerException.class, () -> Schedulers.fromConfig(
                sd("EulerDiscreteScheduler", "use_karras_sigmas", true, "use_exponential_sigmas", true)));
        assertTrue(two.getMessage().startsWith("Only one of the scheduler settings"), two.getMessage());
        SchedulerException type = assertThrows(SchedulerException.class, () -> Schedulers.fromConfig(
                sd("EulerDiscreteScheduler", "num_train_timesteps", "many")));
        assertTrue(type.getMessage().startsWith("Scheduler setting 'num_train_timesteps' is many but must be"),
                type.getMessage());
    }

    @Test
    void edgesThatArePlannable() {
        Scheduler twoTrain = Schedulers.fromConfig(Map.of("_class_name", "DDIMScheduler", "num_train_timesteps", 2,
                "clip_sample", false));
        twoTrain.setTimesteps(2, 0);
        assertEquals(2, twoTrain.steps());
        assertThrows(SchedulerException.class, () -> Schedulers.fromConfig(Map.of("_class_name", "DDIMScheduler",
                "num_train_timesteps", 1)));
        Scheduler terminal = Schedulers.fromConfig(Map.of("_class_name", "FlowMatchEulerDiscreteScheduler",
                "shift", 3.0, "shift_terminal", 0.05));
        terminal.setTimesteps(2, 0);
        assertEquals(2, terminal.steps(), "two steps can be stretched to the terminal");
        assertThrows(SchedulerException.class, () -> terminal.setTimesteps(1, 0));

        // diffusers' DDIM takes as many steps as training timesteps, not one more, and none outside them
        Scheduler ddim = Schedulers.fromConfig(sd("DDIMScheduler", "clip_sample", false, "steps_offset", 0));
        ddim.setTimesteps(1000, 0);
        assertEquals(999.0, ddim.timestep(0));
        assertTrue(assertThrows(SchedulerException.class, () -> ddim.setTimesteps(1001, 0)).getMessage()
                .startsWith("DDIM can take at most 1000 steps"));
        Scheduler offset = Schedulers.fromConfig(sd("DDIMScheduler", "clip_sample", false, "steps_offset", 1));
        assertEquals("DDIM timestep 1000 falls outside the training range 0..999; lower 'steps_offset' or use"
                + " another 'timestep_spacing'.", assertThrows(SchedulerException.class,
                () -> offset.setTimesteps(1000, 0)).getMessage());
        SchedulerException solverP = assertThrows(SchedulerException.class,
                () -> Schedulers.fromConfig(sd("UniPCMultistepScheduler", "solver_p", "DPMSolverMultistepScheduler")));
        assertTrue(solverP.getMessage().contains("solver_p"), solverP.getMessage());
    }
}
