package dev.kino.bench.overhead;

import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.pipeline.StageTimings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.denoise.StepListener;
import dev.kino.video.Mp4Writer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The engine's own overhead: the share of a generation's wall time spent outside ONNX Runtime's {@code run}
 * calls, per stage. Outside time is everything Kino does itself: tokenizing, converting and copying tensors
 * at the ONNX boundary, scheduler math, the guidance combine, turning VAE output into 8-bit frames.
 *
 * <p>It runs one untimed warm-up generation and then {@code runs} measured ones, and reports the run with the
 * median generation time whole (so its stages add up), plus the range of the overall share over all runs.
 */
public final class Overhead {

    /** One stage of the reported run. {@code outsideShare} is NaN for a stage that took no time. */
    public record Stage(String name, double wallMs, double onnxMs) {
        public double outsideMs() {
            return wallMs - onnxMs;
        }

        public double outsideShare() {
            return wallMs > 0 ? outsideMs() / wallMs : Double.NaN;
        }
    }

    /**
     * @param stages         the median run's generation stages, in pipeline order (MP4 encoding not among them)
     * @param generation     their sum: the figure to quote
     * @param encodeMp4      the median run's MP4 encoding (FFmpeg, no ONNX Runtime at all), reported apart
     * @param minShare       the lowest generation outside-share over the measured runs
     * @param maxShare       the highest
     * @param runs           measured runs (the warm-up not counted)
     * @param settings       what was generated
     */
    public record Result(List<Stage> stages, Stage generation, Stage encodeMp4, double minShare, double maxShare,
                         int runs, ResolvedSettings settings) {
    }

    private Overhead() {
    }

    public static Result measure(TextToVideoPipeline pipeline, GenerationRequest request, int runs) {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be at least 1");
        }
        Path temp;
        try {
            temp = Files.createTempFile("kino-overhead", ".mp4");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            generate(pipeline, request, temp); // warm-up
            List<GenerationResult> measured = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                measured.add(generate(pipeline, request, temp));
            }
            List<Double> shares = measured.stream().map(r -> total(r.timings()).outsideShare()).sorted().toList();
            List<GenerationResult> byTime = new ArrayList<>(measured);
            byTime.sort(Comparator.comparingDouble(r -> total(r.timings()).wallMs()));
            GenerationResult median = byTime.get(byTime.size() / 2);
            StageTimings t = median.timings();
            return new Result(stages(t), total(t), stage(t, StageTimings.ENCODE_MP4), shares.get(0),
                    shares.get(shares.size() - 1), runs, median.settings());
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a temporary file in the system's temporary folder
            }
        }
    }

    private static GenerationResult generate(TextToVideoPipeline pipeline, GenerationRequest request, Path mp4) {
        GenerationResult r = pipeline.generate(request, StepListener.NONE);
        long start = System.nanoTime();
        Mp4Writer.write(r.frames(), r.settings().fps(), mp4, 1);
        r.timings().record(StageTimings.ENCODE_MP4, Duration.ofNanos(System.nanoTime() - start), Duration.ZERO);
        return r;
    }

    private static List<Stage> stages(StageTimings t) {
        List<Stage> stages = new ArrayList<>();
        for (String name : t.wall().keySet()) {
            if (!name.equals(StageTimings.ENCODE_MP4)) {
                stages.add(stage(t, name));
            }
        }
        return stages;
    }

    private static Stage stage(StageTimings t, String name) {
        return new Stage(name, ms(t.wall().getOrDefault(name, Duration.ZERO)), ms(t.onnx().getOrDefault(name, Duration.ZERO)));
    }

    /** Every stage but MP4 encoding, summed. */
    private static Stage total(StageTimings t) {
        double wall = 0;
        double onnx = 0;
        for (Map.Entry<String, Duration> e : t.wall().entrySet()) {
            if (!e.getKey().equals(StageTimings.ENCODE_MP4)) {
                wall += ms(e.getValue());
                onnx += ms(t.onnx().getOrDefault(e.getKey(), Duration.ZERO));
            }
        }
        return new Stage("generation", wall, onnx);
    }

    private static double ms(Duration d) {
        return d.toNanos() / 1e6;
    }
}
