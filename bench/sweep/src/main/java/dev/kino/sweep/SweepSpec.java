package dev.kino.sweep;

import dev.kino.KinoException;
import dev.kino.pipeline.ExpertResidency;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a sweep should run, as the user asked for it: the grid's axes and the reference. Empty scheduler and
 * guidance lists and null sizes mean "the model's own"; {@link SweepGrid} resolves them against the loaded model.
 *
 * @param modelDir           the model package folder
 * @param device             {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}
 * @param threads            ONNX Runtime intra-op threads on the CPU; 0 leaves ONNX Runtime's default
 * @param prompts            the prompts, each run at every other axis value
 * @param schedulers         Kino scheduler names; empty: the model's own
 * @param steps              denoising step counts
 * @param guidance           guidance scales; empty: the model's default
 * @param seeds              noise seeds
 * @param referenceSteps     steps of the reference run each cell is compared with
 * @param referenceScheduler scheduler of the reference run; null: the model's own
 * @param frames             frames per video; null: the model's default
 * @param width              pixels; null: the model's default
 * @param height             pixels; null: the model's default
 * @param repeats            times each run is timed (the median run is kept); 1 for a single measurement
 * @param loras              LoRA files applied together in every cell (not in the reference); empty: none
 * @param loraStrengths      the strengths the LoRAs are swept over (0 is the plain model bit for bit);
 *                           empty with LoRAs: 1
 * @param precisions         the precision axis: each mode's package of the same model (int8, w4, ... to its folder),
 *                           compared with {@code modelDir}, the fp32 package; empty: no precision axis
 *                           ({@link PrecisionAxis} finds them)
 * @param experts            how a mixture's experts stay in memory in every package the sweep loads (a load option:
 *                           {@code one} reads each expert again per run, which its timings include); null: auto
 */
public record SweepSpec(Path modelDir, String device, int threads, List<String> prompts, List<String> schedulers,
                        List<Integer> steps, List<Double> guidance, List<Long> seeds, int referenceSteps,
                        String referenceScheduler, Integer frames, Integer width, Integer height, int repeats,
                        List<Path> loras, List<Double> loraStrengths, Map<String, Path> precisions,
                        ExpertResidency experts) {

    public static final int DEFAULT_REFERENCE_STEPS = 50;

    /** A sweep with its mixture's experts as memory allows ({@link ExpertResidency#AUTO}). */
    public SweepSpec(Path modelDir, String device, int threads, List<String> prompts, List<String> schedulers,
                     List<Integer> steps, List<Double> guidance, List<Long> seeds, int referenceSteps,
                     String referenceScheduler, Integer frames, Integer width, Integer height, int repeats,
                     List<Path> loras, List<Double> loraStrengths, Map<String, Path> precisions) {
        this(modelDir, device, threads, prompts, schedulers, steps, guidance, seeds, referenceSteps,
                referenceScheduler, frames, width, height, repeats, loras, loraStrengths, precisions, null);
    }

    /** A sweep without a precision axis. */
    public SweepSpec(Path modelDir, String device, int threads, List<String> prompts, List<String> schedulers,
                     List<Integer> steps, List<Double> guidance, List<Long> seeds, int referenceSteps,
                     String referenceScheduler, Integer frames, Integer width, Integer height, int repeats,
                     List<Path> loras, List<Double> loraStrengths) {
        this(modelDir, device, threads, prompts, schedulers, steps, guidance, seeds, referenceSteps,
                referenceScheduler, frames, width, height, repeats, loras, loraStrengths, Map.of());
    }

    /** A sweep without LoRAs. */
    public SweepSpec(Path modelDir, String device, int threads, List<String> prompts, List<String> schedulers,
                     List<Integer> steps, List<Double> guidance, List<Long> seeds, int referenceSteps,
                     String referenceScheduler, Integer frames, Integer width, Integer height, int repeats) {
        this(modelDir, device, threads, prompts, schedulers, steps, guidance, seeds, referenceSteps,
                referenceScheduler, frames, width, height, repeats, List.of(), List.of());
    }

    public SweepSpec {
        Objects.requireNonNull(modelDir, "modelDir");
        experts = experts == null ? ExpertResidency.AUTO : experts;
        precisions = precisions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(precisions));
        if (precisions.containsKey(PrecisionAxis.FP32)) {
            throw new IllegalArgumentException("precisions lists the modes compared with the fp32 package, not fp32 itself");
        }
        loras = distinct(loras);
        loraStrengths = distinct(loraStrengths);
        if (loras.isEmpty() && !loraStrengths.isEmpty()) {
            throw new KinoException("--lora-strength sweeps a LoRA's strength, but no LoRA is given; add --lora FILE.");
        }
        if (!loras.isEmpty() && loraStrengths.isEmpty()) {
            loraStrengths = List.of(1.0);
        }
        if (loraStrengths.stream().anyMatch(s -> !Double.isFinite(s))) {
            throw new KinoException("--lora-strength takes finite numbers, e.g. --lora-strength 0,0.5,1.");
        }
        prompts = distinct(prompts);
        schedulers = distinct(schedulers);
        steps = distinct(steps);
        guidance = distinct(guidance);
        seeds = seeds == null || seeds.isEmpty() ? List.of(0L) : distinct(seeds);
        if (prompts.isEmpty()) {
            throw new KinoException("The sweep has no prompts; give at least one (one prompt per line in the prompts file).");
        }
        if (steps.isEmpty()) {
            throw new KinoException("The sweep has no step counts; pass --steps, e.g. --steps 4,8,16,32.");
        }
        if (repeats < 1 || repeats > 100) {
            throw new KinoException("--repeats must be between 1 and 100, but " + repeats + " was given.");
        }
        if (threads < 0) {
            throw new KinoException("--threads must be 0 (ONNX Runtime's default) or more, but " + threads + " was given.");
        }
    }

    /** This sweep with a precision axis: each mode's package (mode to folder), compared with the fp32 cells. */
    public SweepSpec withPrecisions(Map<String, Path> modes) {
        return new SweepSpec(modelDir, device, threads, prompts, schedulers, steps, guidance, seeds, referenceSteps,
                referenceScheduler, frames, width, height, repeats, loras, loraStrengths, modes, experts);
    }

    public static Builder builder(Path modelDir) {
        return new Builder(modelDir);
    }

    private static <T> List<T> distinct(List<T> values) {
        return values == null ? List.of() : List.copyOf(new LinkedHashSet<>(values));
    }

    /** Fluent construction for programs: {@code SweepSpec.builder(dir).prompts(...).steps(4, 8).build()}. */
    public static final class Builder {
        private final Path modelDir;
        private String device = "auto";
        private int threads;
        private List<String> prompts = new ArrayList<>();
        private List<String> schedulers = new ArrayList<>();
        private List<Integer> steps = new ArrayList<>();
        private List<Double> guidance = new ArrayList<>();
        private List<Long> seeds = new ArrayList<>();
        private int referenceSteps = DEFAULT_REFERENCE_STEPS;
        private String referenceScheduler;
        private Integer frames;
        private Integer width;
        private Integer height;
        private int repeats = 1;
        private List<Path> loras = new ArrayList<>();
        private List<Double> loraStrengths = new ArrayList<>();
        private Map<String, Path> precisions = new LinkedHashMap<>();
        private ExpertResidency experts = ExpertResidency.AUTO;

        private Builder(Path modelDir) {
            this.modelDir = modelDir;
        }

        public Builder device(String v) {
            device = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder prompts(List<String> v) {
            prompts = new ArrayList<>(v);
            return this;
        }

        public Builder schedulers(List<String> v) {
            schedulers = new ArrayList<>(v);
            return this;
        }

        public Builder steps(List<Integer> v) {
            steps = new ArrayList<>(v);
            return this;
        }

        public Builder guidance(List<Double> v) {
            guidance = new ArrayList<>(v);
            return this;
        }

        public Builder seeds(List<Long> v) {
            seeds = new ArrayList<>(v);
            return this;
        }

        public Builder reference(int steps, String scheduler) {
            referenceSteps = steps;
            referenceScheduler = scheduler;
            return this;
        }

        public Builder size(Integer frameCount, Integer pixelWidth, Integer pixelHeight) {
            frames = frameCount;
            width = pixelWidth;
            height = pixelHeight;
            return this;
        }

        /** LoRA files applied together in every cell, swept over {@code strengths} (none: 1). */
        public Builder loras(List<Path> files, List<Double> strengths) {
            loras = new ArrayList<>(files);
            loraStrengths = new ArrayList<>(strengths);
            return this;
        }

        /** The precision axis: each mode's package (mode to folder); the fp32 package is the model's. */
        public Builder precisions(Map<String, Path> modes) {
            precisions = new LinkedHashMap<>(modes);
            return this;
        }

        /** How a mixture's experts stay in memory (default: auto). */
        public Builder experts(ExpertResidency v) {
            experts = v;
            return this;
        }

        public Builder repeats(int v) {
            repeats = v;
            return this;
        }

        public SweepSpec build() {
            return new SweepSpec(modelDir, device, threads, prompts, schedulers, steps, guidance, seeds,
                    referenceSteps, referenceScheduler, frames, width, height, repeats, loras, loraStrengths, precisions,
                    experts);
        }
    }
}
