package dev.kino.cli;

import ai.onnxruntime.OrtProvider;
import dev.kino.cli.doctor.CudaLibraries;
import dev.kino.runtime.OnnxRuntime;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kino doctor}'s CPU path (no GPU here; its CUDA path is checked only as far as a CPU build refuses it). */
class DoctorCommandTest {

    @Test
    void cpuReportSaysWhatRunsAndThatTheCpuIsDeterministic() {
        Cli.Run r = Cli.kino("doctor", "--device", "cpu", "--steps", "2");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        String out = r.out();
        assertTrue(out.contains("ONNX Runtime  " + OnnxRuntime.version() + ";"), out);
        assertTrue(out.contains("providers in this build: CPU"), out);
        assertTrue(out.contains("Java          " + System.getProperty("java.version")), out);
        for (String lib : new String[] {"libcudart.so.12", "libcublas.so.12", "libcudnn.so.9", "libcuda.so.1"}) {
            assertTrue(out.contains(lib), lib + " not reported\n" + out);
        }
        assertTrue(out.contains("cudnn_conv_algo_search=EXHAUSTIVE"), out);
        assertTrue(out.contains("--device cpu -> CPU"), out);
        // CPU against CPU: the same request twice must give the same latents and frames, bit for bit
        Matcher check = Pattern.compile("CPU vs CPU again \\(determinism\\): latents rel\\. L2 (\\S+), frames max diff (\\d+)/255")
                .matcher(out);
        assertTrue(check.find(), out);
        assertEquals(0.0, Double.parseDouble(check.group(1)), out);
        assertEquals(0, Integer.parseInt(check.group(2)), out);
        Matcher step = Pattern.compile("Step fp32     ([0-9.]+) ms on CPU").matcher(out);
        assertTrue(step.find(), out);
        assertTrue(Double.parseDouble(step.group(1)) > 0, out);
        assertTrue(out.contains("Step fp16     not measured: pass --fp16-model"), out);
        assertTrue(out.contains("Verdict       OK: Kino runs on CPU"), out);
        assertTrue(out.contains("Memory        at 64x64, 16 frames, denoiser batch 2 (planned from the files"), out);
        assertTrue(out.contains("total on the CPU: "), out);
        assertTrue(out.contains("fits: yes"), "the demo model fits any machine that runs this test\n" + out);
        assertEquals("", r.err().replaceAll("(?m)^\\[.*WARN.*$", "").strip(), r.err());
    }

    /** A model the plan says does not fit is reported so, not loaded: this one's weights could not even load. */
    @Test
    void aModelThatDoesNotFitIsNotLoaded(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws java.io.IOException {
        String model = InfoCommandTest.withUnloadableWeights(tmp).toString();
        Cli.Run r = Cli.kino("doctor", "--model", model, "--device", "cpu", "--memory", "64MB", "--steps", "1");
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("fits: NO"), r.out());
        assertTrue(r.out().contains("Check         not run: tiny-ltx at "), r.out());
        assertTrue(r.out().contains("does not fit the CPU's memory (see Memory), so it was not loaded"), r.out());
        assertTrue(r.out().contains("Verdict       PROBLEM: tiny-ltx does not fit the CPU's memory"), r.out());
        assertFalse(r.err().contains("cannot load"), "no session was opened\n" + r.err());
    }

    @Test
    void cudaOnACpuBuildIsAProblemReportedNotACrash() {
        if (OnnxRuntime.providersInBuild().contains(OrtProvider.CUDA) && OnnxRuntime.cudaProblem(0) == null) {
            return;   // a machine where CUDA works: nothing to refuse
        }
        Cli.Run r = Cli.kino("doctor", "--device", "cuda", "--steps", "1");
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("Verdict       PROBLEM: CUDA GPU 0 cannot be used: "), r.out());
        assertTrue(r.out().contains("--device cuda:0 -> CPU (CUDA: "), r.out());
        assertTrue(r.out().contains("CPU vs CPU again"), "the CPU checks still ran\n" + r.out());
        // the memory plan is for the GPU asked for, which nvidia-smi cannot report here
        assertTrue(r.out().contains("total on the GPU: "), r.out());
        assertTrue(r.out().contains("fits: unknown ("), r.out());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void badStepsIsOneSentence() {
        Cli.Run r = Cli.kino("doctor", "--steps", "0");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--steps must be between 1 and 100, but 0 was given."), r.err());
        assertEquals("", r.out());
    }

    @Test
    void everyLibraryTheCudaProviderNeedsIsChecked() {
        assertEquals(7, CudaLibraries.probe().size());
    }
}
