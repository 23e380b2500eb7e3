package dev.kino.bench.jmh;

import dev.kino.denoise.Guidance;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Classifier-free guidance on the denoiser's batch-of-two output at Wan 2.1 480p x 81 frames:
 * {@code uncond + scale * (cond - uncond)} over 2 x 2.1 M floats into 2.1 M.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class GuidanceBenchmark {
    private float[] batched;
    private float[] out;

    @Setup
    public void data() {
        float[] uncond = WanLatents.noise(1);
        float[] cond = WanLatents.noise(2);
        batched = new float[2 * WanLatents.SIZE];
        System.arraycopy(uncond, 0, batched, 0, WanLatents.SIZE);
        System.arraycopy(cond, 0, batched, WanLatents.SIZE, WanLatents.SIZE);
        out = new float[WanLatents.SIZE];
    }

    @Benchmark
    public float combine() {
        Guidance.combine(batched, WanLatents.SIZE, 5.0f, out);
        return out[out.length - 1];
    }
}
