package dev.kino.bench.jmh;

import dev.kino.noise.TorchGenerator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Seeded initial noise for Wan 2.1 480p x 81 frames (2.1 M floats), PyTorch's CPU generator, either kernel. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class NoiseBenchmark {
    @Param({"SCALAR", "AVX2"})
    public TorchGenerator.Kernel kernel;

    private final float[] out = new float[WanLatents.SIZE];
    private TorchGenerator generator;

    @Setup
    public void seed() {
        generator = TorchGenerator.seeded(42, kernel);
    }

    @Benchmark
    public float randn() {
        generator.randn(out);
        return out[out.length - 1];
    }
}
