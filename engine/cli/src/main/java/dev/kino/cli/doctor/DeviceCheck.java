package dev.kino.cli.doctor;

import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.ExecutionProvider;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.denoise.StepListener;
import dev.kino.video.VideoFrames;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Generates the same short video on a device and on the CPU and compares them, and times a denoising step.
 * On the CPU against the CPU it checks that generation is deterministic; on a GPU it checks that the GPU
 * computes what the CPU does, within what different kernels (TF32 matmuls, other reduction orders) allow.
 */
public final class DeviceCheck {

    /** Relative L2 distance of the final latents above which the device does not compute what the CPU does. */
    public static final double LATENT_TOLERANCE = 1e-2;

    /** One model generated on one provider: its result and median step time (after an untimed warm-up run). */
    public record Run(ExecutionProvider provider, GenerationResult result, double medianStepMs) {
    }

    /** How far two generations of the same request are apart. */
    public record Difference(double latentRelL2, int maxFrameDiff, double meanFrameDiff) {
        public boolean withinTolerance() {
            return latentRelL2 <= LATENT_TOLERANCE;
        }
    }

    private DeviceCheck() {
    }

    /** The request every check generates: the model's size and scheduler, few steps, fixed seed. */
    public static GenerationRequest request(int steps) {
        return GenerationRequest.builder("a red circle moving right").steps(steps).seed(0L).build();
    }

    /** Loads {@code model} for {@code device}, generates {@code request} twice (warm-up, measured). */
    public static Run generate(Path model, Device device, GenerationRequest request) {
        try (TextToVideoPipeline pipeline = TextToVideoPipeline.load(ModelPackage.open(model), OnnxRuntime.create(device))) {
            pipeline.generate(request, StepListener.NONE);   // first-run allocations, cuDNN's algorithm search
            GenerationResult r = pipeline.generate(request, StepListener.NONE);
            return new Run(pipeline.provider(), r, medianMs(r.timings().steps()));
        }
    }

    public static Difference compare(GenerationResult a, GenerationResult b) {
        float[] x = a.latents().data();
        float[] y = b.latents().data();
        if (x.length != y.length) {
            throw new IllegalArgumentException("latents of different sizes: " + x.length + " and " + y.length);
        }
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - y[i];
            diff += d * d;
            norm += (double) y[i] * y[i];
        }
        VideoFrames fa = a.frames();
        VideoFrames fb = b.frames();
        int max = 0;
        long sum = 0;
        long count = 0;
        for (int f = 0; f < Math.min(fa.count(), fb.count()); f++) {
            byte[] p = fa.frame(f);
            byte[] q = fb.frame(f);
            for (int i = 0; i < Math.min(p.length, q.length); i++) {
                int d = Math.abs((p[i] & 0xff) - (q[i] & 0xff));
                max = Math.max(max, d);
                sum += d;
                count++;
            }
        }
        return new Difference(norm > 0 ? Math.sqrt(diff / norm) : Math.sqrt(diff), max, count > 0 ? (double) sum / count : 0);
    }

    static double medianMs(List<Duration> steps) {
        List<Double> ms = new ArrayList<>();
        for (Duration d : steps) {
            ms.add(d.toNanos() / 1e6);
        }
        Collections.sort(ms);
        return ms.isEmpty() ? Double.NaN : ms.get(ms.size() / 2);
    }
}
