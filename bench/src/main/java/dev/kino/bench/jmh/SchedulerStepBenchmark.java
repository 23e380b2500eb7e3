package dev.kino.bench.jmh;

import dev.kino.noise.TorchGenerator;
import dev.kino.schedule.Scheduler;
import dev.kino.schedule.Schedulers;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one denoising step costs the scheduler at Wan 2.1 480p x 81 frames ({@code [1,16,21,60,104]}):
 * {@code scaleModelInput} plus {@code step}, in the middle of a 50-step run (multistep solvers at full
 * order). The latents are restored before every call (untimed), so each call sees realistic values and
 * cold caches, as it would after a denoiser run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class SchedulerStepBenchmark {
    /** Step index benchmarked: past the multistep warm-up, far from the final lower-order steps. */
    private static final int STEP = 10;

    @Param({"ddim", "euler", "euler-karras", "euler-a", "dpmpp-2m", "dpmpp-2m-karras", "unipc",
            "flow-euler", "flow-unipc", "flow-dpmpp-2m"})
    public String scheduler;

    private Scheduler s;
    private TorchGenerator generator;
    private float[] pristine;
    private float[] latents;
    private float[] input;
    private float[] output;

    @Setup(Level.Trial)
    public void plan() {
        boolean flow = scheduler.startsWith("flow-");
        s = Schedulers.byName(scheduler, flow ? WanLatents.wanConfig() : WanLatents.sdConfig());
        s.setTimesteps(WanLatents.STEPS, WanLatents.SEQUENCE_LENGTH);
        generator = TorchGenerator.seeded(0);
        pristine = WanLatents.noise(1);
        latents = pristine.clone();
        input = new float[WanLatents.SIZE];
        output = WanLatents.output(pristine);
        for (int i = 0; i < STEP; i++) { // fill the multistep history, size the work arrays
            s.scaleModelInput(latents, i, input);
            s.step(output, i, latents, generator);
        }
    }

    @Setup(Level.Invocation)
    public void restore() {
        System.arraycopy(pristine, 0, latents, 0, latents.length);
    }

    @Benchmark
    public float step() {
        s.scaleModelInput(latents, STEP, input);
        s.step(output, STEP, latents, generator);
        return latents[latents.length - 1];
    }
}
