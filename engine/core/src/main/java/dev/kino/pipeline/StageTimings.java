package dev.kino.pipeline;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wall time of each stage of a generation, in the order the data flows, plus the time spent inside ONNX
 * Runtime per stage (the rest is Kino's own work: tokenizing, scheduler math, conversions, copies).
 */
public final class StageTimings {
    public static final String TOKENIZE = "tokenize";
    public static final String TEXT_ENCODE = "text encode";
    public static final String DENOISE = "denoise";
    public static final String VAE_DECODE = "VAE decode";
    public static final String ENCODE_MP4 = "encode MP4";

    private final Map<String, Duration> wall = new LinkedHashMap<>();
    private final Map<String, Duration> onnx = new LinkedHashMap<>();
    private List<Duration> steps = List.of();

    public void record(String stage, Duration wallTime, Duration onnxTime) {
        wall.put(stage, wallTime);
        onnx.put(stage, onnxTime);
    }

    void steps(List<Duration> perStep) {
        steps = List.copyOf(perStep);
    }

    /** Stage name → wall time, in pipeline order. */
    public Map<String, Duration> wall() {
        return new LinkedHashMap<>(wall);
    }

    /** Stage name → time inside ONNX Runtime's run calls. */
    public Map<String, Duration> onnx() {
        return new LinkedHashMap<>(onnx);
    }

    /** Wall time of each denoising step. */
    public List<Duration> steps() {
        return steps;
    }

    public Duration total() {
        return wall.values().stream().reduce(Duration.ZERO, Duration::plus);
    }

    /** Mean wall time per denoising step, or zero before the loop ran. */
    public Duration meanStep() {
        return steps.isEmpty() ? Duration.ZERO
                : steps.stream().reduce(Duration.ZERO, Duration::plus).dividedBy(steps.size());
    }
}
