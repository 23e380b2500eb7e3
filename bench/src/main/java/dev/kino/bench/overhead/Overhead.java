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
import java.util.List;
import java.util.Map;

/**
 * The engine's own overhead: the share of a generation's wall time spent outside ONNX Runtime's {@code run}
 * calls, per stage. Outside time is everything Kino does itself: tokenizing, converting and copying tensors
 * at the ONNX boundary, scheduler math, the guidance combine, turning VAE output into 8-bit frames.
 *
 * <p>It runs untimed warm-up generations (the JIT, ONNX Runtime's first-run allocations and FFmpeg's start would
 * otherwise land in the first measured run), then {@code runs} measured ones, and reports each stage's mean
 * over them (so the stages add up to the mean generation), the share of the mean generation spent outside
 * ONNX Runtime, and the median and range of that share run by run. On small models a stage takes a
 * millisecond or less and single runs swing widely with the JIT, the garbage collector and other processes;
 * the spread says how far to trust the mean.
 */
public final class Overhead {

    /**
     * One stage: wall time, the part inside ONNX Runtime's {@code run} calls and how many calls (means, when it
     * sums runs). {@code outsideShare} is NaN for a stage that took no time.
     */
    public record Stage(String name, double wallMs, double onnxMs, double onnxRuns) {
        public double outsideMs() {
            return wallMs - onnxMs;
        }

        public double outsideShare() {
            return wallMs > 0 ? outsideMs() / wallMs : Double.NaN;
        }
    }

    /**
     * @param stages      each generation stage's mean over the runs, in pipeline order (MP4 encoding not among them)
     * @param generation  their sum: the mean generation, whose outside share is the figure to quote
     * @param encodeMp4   mean MP4 encoding (FFmpeg, no ONNX Runtime at all), reported apart
     * @param minShare    the lowest outside share of a single run's generation
     * @param medianShare the median of the single runs' shares
     * @param maxShare    the highest
     * @param runs        measured runs (warm-up runs not counted)
     * @param warmups     untimed runs before them
     * @param settings    what was generated
     */
    public record Result(List<Stage> stages, Stage generation, Stage encodeMp4, double minShare, double medianShare,
                         double maxShare, int runs, int warmups, ResolvedSettings settings) {
    }

    private Overhead() {
    }

    public static Result measure(TextToVideoPipeline pipeline, GenerationRequest request, int runs, int warmups) {
        if (runs < 1 || warmups < 0) {
            throw new IllegalArgumentException("runs must be at least 1 and warm-ups at least 0");
        }
        Path temp;
        try {
            temp = Files.createTempFile("kino-overhead", ".mp4");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            for (int i = 0; i < warmups; i++) {
                generate(pipeline, request, temp);
            }
            List<List<Stage>> measured = new ArrayList<>();
            ResolvedSettings settings = null;
            for (int i = 0; i < runs; i++) {
                GenerationResult r = generate(pipeline, request, temp);
                measured.add(stages(r.timings()));
                settings = r.settings();
            }
            return summarize(measured, warmups, settings);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a temporary file in the system's temporary folder
            }
        }
    }

    /** One run's stages as the pipeline timed them, MP4 encoding last. */
    static List<Stage> stages(StageTimings t) {
        List<Stage> stages = new ArrayList<>();
        for (Map.Entry<String, Duration> e : t.wall().entrySet()) {
            stages.add(new Stage(e.getKey(), ms(e.getValue()), ms(t.onnx().getOrDefault(e.getKey(), Duration.ZERO)),
                    t.onnxRuns().getOrDefault(e.getKey(), 0L)));
        }
        return stages;
    }

    /**
     * The figures of {@code measured} runs (each its stages in pipeline order, MP4 encoding among them): each
     * stage's mean, their sum, and the spread of the single runs' outside shares.
     */
    static Result summarize(List<List<Stage>> measured, int warmups, ResolvedSettings settings) {
        int runs = measured.size();
        List<Double> shares = measured.stream().map(r -> generation(r).outsideShare()).sorted().toList();
        List<Stage> means = new ArrayList<>();
        for (Stage first : measured.get(0)) {
            if (!first.name().equals(StageTimings.ENCODE_MP4)) {
                means.add(mean(measured, first.name()));
            }
        }
        return new Result(List.copyOf(means), generation(means), mean(measured, StageTimings.ENCODE_MP4), shares.get(0),
                shares.get(shares.size() / 2), shares.get(shares.size() - 1), runs, warmups, settings);
    }

    private static GenerationResult generate(TextToVideoPipeline pipeline, GenerationRequest request, Path mp4) {
        GenerationResult r = pipeline.generate(request, StepListener.NONE);
        long start = System.nanoTime();
        Mp4Writer.write(r.frames(), r.settings().fps(), mp4, 1);
        return r.withStage(StageTimings.ENCODE_MP4, Duration.ofNanos(System.nanoTime() - start));
    }

    private static Stage mean(List<List<Stage>> runs, String name) {
        double wall = 0;
        double onnx = 0;
        double calls = 0;
        for (List<Stage> run : runs) {
            for (Stage st : run) {
                if (st.name().equals(name)) {
                    wall += st.wallMs();
                    onnx += st.onnxMs();
                    calls += st.onnxRuns();
                }
            }
        }
        return new Stage(name, wall / runs.size(), onnx / runs.size(), calls / runs.size());
    }

    /** Every stage but MP4 encoding, summed. */
    private static Stage generation(List<Stage> stages) {
        double wall = 0;
        double onnx = 0;
        double calls = 0;
        for (Stage st : stages) {
            if (!st.name().equals(StageTimings.ENCODE_MP4)) {
                wall += st.wallMs();
                onnx += st.onnxMs();
                calls += st.onnxRuns();
            }
        }
        return new Stage("generation", wall, onnx, calls);
    }

    private static double ms(Duration d) {
        return d.toNanos() / 1e6;
    }
}
