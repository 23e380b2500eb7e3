package dev.kino.pipeline;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wall time of each stage of a generation, in the order the data flows, plus the time spent inside ONNX
 * Runtime per stage (the rest is Kino's own work: tokenizing, scheduler math, conversions, copies) and the
 * number of ONNX Runtime run calls. Immutable: a caller that times a stage of its own (encoding the MP4)
 * makes a copy with {@link #with}.
 */
public final class StageTimings {
    /** Prompt to token ids. */
    public static final String TOKENIZE = "tokenize";
    /** Token ids to text embeddings. */
    public static final String TEXT_ENCODE = "text encode";
    /** Image models only: the pictures through the VAE encoder (and the CLIP image encoder). */
    public static final String IMAGE_ENCODE = "image encode";
    /** Video-to-video: the source video through the VAE encoder. */
    public static final String VIDEO_ENCODE = "video encode";
    /** Wan VACE: reference pictures, control and mask videos through the VAE encoder. */
    public static final String CONTROL_ENCODE = "control encode";
    /** The denoising loop. */
    public static final String DENOISE = "denoise";
    /** Latents to RGB frames. */
    public static final String VAE_DECODE = "VAE decode";
    /** Frames to an MP4 file: timed by the caller that writes it ({@link #with}). */
    public static final String ENCODE_MP4 = "encode MP4";

    private final Map<String, Duration> wall;
    private final Map<String, Duration> onnx;
    private final Map<String, Long> runs;
    private final List<Duration> steps;

    private StageTimings(Map<String, Duration> wall, Map<String, Duration> onnx, Map<String, Long> runs,
                         List<Duration> steps) {
        this.wall = Collections.unmodifiableMap(new LinkedHashMap<>(wall));
        this.onnx = Collections.unmodifiableMap(new LinkedHashMap<>(onnx));
        this.runs = Collections.unmodifiableMap(new LinkedHashMap<>(runs));
        this.steps = List.copyOf(steps);
    }

    /** Collects a generation's timings on its thread. */
    static final class Recorder {
        private final Map<String, Duration> wall = new LinkedHashMap<>();
        private final Map<String, Duration> onnx = new LinkedHashMap<>();
        private final Map<String, Long> runs = new LinkedHashMap<>();
        private List<Duration> steps = List.of();

        void record(String stage, Duration wallTime, Duration onnxTime, long onnxRuns) {
            wall.put(stage, wallTime);
            onnx.put(stage, onnxTime);
            runs.put(stage, onnxRuns);
        }

        void steps(List<Duration> perStep) {
            steps = List.copyOf(perStep);
        }

        StageTimings done() {
            return new StageTimings(wall, onnx, runs, steps);
        }
    }

    /** A copy with one more stage (no ONNX Runtime time), e.g. the caller's MP4 encoding. */
    public StageTimings with(String stage, Duration wallTime) {
        Map<String, Duration> w = new LinkedHashMap<>(wall);
        Map<String, Duration> o = new LinkedHashMap<>(onnx);
        Map<String, Long> r = new LinkedHashMap<>(runs);
        w.put(stage, wallTime);
        o.put(stage, Duration.ZERO);
        r.put(stage, 0L);
        return new StageTimings(w, o, r, steps);
    }

    /** Stage name → wall time, in pipeline order. */
    public Map<String, Duration> wall() {
        return wall;
    }

    /** Stage name → time inside ONNX Runtime's run calls. */
    public Map<String, Duration> onnx() {
        return onnx;
    }

    /**
     * Stage name → ONNX Runtime run calls: a guided denoising step is one call of batch 2, or two calls on a
     * graph with a fixed batch of 1; an unguided step is one call.
     */
    public Map<String, Long> onnxRuns() {
        return runs;
    }

    /** Wall time of each denoising step this run made (a resumed run: the steps after the checkpoint). */
    public List<Duration> steps() {
        return steps;
    }

    /** Wall time of all stages together. */
    public Duration total() {
        return wall.values().stream().reduce(Duration.ZERO, Duration::plus);
    }

    /** Mean wall time per denoising step, or zero before the loop ran. */
    public Duration meanStep() {
        return steps.isEmpty() ? Duration.ZERO
                : steps.stream().reduce(Duration.ZERO, Duration::plus).dividedBy(steps.size());
    }
}
