package dev.kino.sweep;

import dev.kino.model.ModelPackage;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.request.Sha256;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What every cell of one sweep folder must share for its figures to be comparable: the model, where it ran,
 * and the video's size. Stored as {@code sweep.json}; a re-run with the same folder must match it. The grid's
 * axes (prompts, schedulers, steps, guidance, seeds, reference) may change between runs: new cells are added
 * beside the finished ones. The LoRA files (by the SHA-256 of their bytes) are part of the identity: cells are
 * named by the LoRA's strength only, so another LoRA in the same folder would otherwise look finished. So are
 * the precision modes' packages ({@code MODE=fingerprint}), for the same reason; modes may be added or left out
 * between runs, but a mode's package may not change. So is whether a mixture's experts were loaded one at a
 * time ({@code experts: "one"}; null: resident, or one denoiser), since each run then reads them again, which its
 * time includes.
 */
public record SweepIdentity(int format, String modelName, String modelFingerprint, String executionProvider,
                            int onnxThreads, int frames, int width, int height, String negativePrompt,
                            List<String> loraSha256, List<String> precisionPackages, String experts) {

    /** What {@link #experts} holds when a mixture's experts were loaded one at a time. */
    public static final String ONE_AT_A_TIME = "one";

    /**
     * The identity of {@code spec}'s sweep, as both sweeps (local and Spark) record it.
     *
     * @param pipeline the {@code --model} package, loaded as the sweep loads it
     * @param settings the grid's shared settings ({@link SweepGrid#settings()})
     * @param threads  ONNX Runtime threads of the runs
     */
    public static SweepIdentity of(SweepSpec spec, TextToVideoPipeline pipeline, ResolvedSettings settings, int threads) {
        CellResult.ModelInfo model = CellResult.ModelInfo.of(pipeline.modelPackage());
        List<String> modes = spec.precisions().entrySet().stream().map(e -> e.getKey() + "="
                + CellResult.ModelInfo.of(ModelPackage.open(e.getValue())).fingerprint()).toList();
        return new SweepIdentity(1, model.name(), model.fingerprint(), pipeline.provider().label(), threads,
                settings.frames(), settings.width(), settings.height(), settings.negativePrompt(),
                spec.loras().stream().map(Sha256::of).toList(), modes,
                pipeline.expertsOneAtATime() ? ONE_AT_A_TIME : null);
    }

    /** Both experts resident (or one denoiser). */
    public SweepIdentity(int format, String modelName, String modelFingerprint, String executionProvider,
                         int onnxThreads, int frames, int width, int height, String negativePrompt,
                         List<String> loraSha256, List<String> precisionPackages) {
        this(format, modelName, modelFingerprint, executionProvider, onnxThreads, frames, width, height,
                negativePrompt, loraSha256, precisionPackages, null);
    }

    public SweepIdentity {
        loraSha256 = loraSha256 == null ? List.of() : List.copyOf(loraSha256);   // folders from before LoRAs
        precisionPackages = precisionPackages == null ? List.of() : List.copyOf(precisionPackages);
    }

    /** Without a precision axis. */
    public SweepIdentity(int format, String modelName, String modelFingerprint, String executionProvider,
                         int onnxThreads, int frames, int width, int height, String negativePrompt,
                         List<String> loraSha256) {
        this(format, modelName, modelFingerprint, executionProvider, onnxThreads, frames, width, height,
                negativePrompt, loraSha256, List.of());
    }

    /** Without LoRAs. */
    public SweepIdentity(int format, String modelName, String modelFingerprint, String executionProvider,
                         int onnxThreads, int frames, int width, int height, String negativePrompt) {
        this(format, modelName, modelFingerprint, executionProvider, onnxThreads, frames, width, height,
                negativePrompt, List.of());
    }

    /** What differs from {@code other}, as phrases for an error message; empty when they match. */
    public List<String> differences(SweepIdentity other) {
        List<String> d = new ArrayList<>();
        if (!Objects.equals(modelFingerprint, other.modelFingerprint)) {
            d.add("model " + other.modelName + " (fingerprint " + shortHash(other.modelFingerprint) + ") instead of "
                    + modelName + " (" + shortHash(modelFingerprint) + ")");
        }
        if (!Objects.equals(executionProvider, other.executionProvider)) {
            d.add("device " + other.executionProvider + " instead of " + executionProvider);
        }
        if (onnxThreads != other.onnxThreads) {
            d.add(other.onnxThreads + " ONNX threads instead of " + onnxThreads);
        }
        if (frames != other.frames || width != other.width || height != other.height) {
            d.add(other.frames + " frames of " + other.width + "x" + other.height + " instead of " + frames
                    + " frames of " + width + "x" + height);
        }
        if (!Objects.equals(negativePrompt, other.negativePrompt)) {
            d.add("another negative prompt");
        }
        if (!loraSha256.equals(other.loraSha256)) {
            d.add(other.loraSha256.isEmpty() ? "no LoRA instead of " + loraSha256.size() + " LoRA file(s)"
                    : "other LoRA files (" + other.loraSha256.size() + ")");
        }
        if (!Objects.equals(experts, other.experts)) {
            d.add(other.experts == null ? "both experts resident instead of one at a time"
                    : "experts loaded one at a time instead of both resident");
        }
        Map<String, String> mine = byMode(precisionPackages);
        byMode(other.precisionPackages).forEach((mode, fingerprint) -> {
            if (mine.containsKey(mode) && !mine.get(mode).equals(fingerprint)) {
                d.add("another " + mode + " package (fingerprint " + shortHash(fingerprint) + " instead of "
                        + shortHash(mine.get(mode)) + ")");
            }
        });
        return d;
    }

    /**
     * This identity with {@code other}'s precision modes that it lacks added: modes are an axis, so a later run may
     * add or leave out modes, but a mode keeps its package (checked by {@link #differences}).
     */
    public SweepIdentity withModesOf(SweepIdentity other) {
        Map<String, String> all = byMode(precisionPackages);
        byMode(other.precisionPackages).forEach(all::putIfAbsent);
        List<String> merged = all.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        return new SweepIdentity(format, modelName, modelFingerprint, executionProvider, onnxThreads, frames, width,
                height, negativePrompt, loraSha256, merged, experts);
    }

    private static Map<String, String> byMode(List<String> packages) {
        Map<String, String> m = new LinkedHashMap<>();
        packages.forEach(p -> m.put(p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1)));
        return m;
    }

    private static String shortHash(String hash) {
        return hash == null ? "none" : hash.substring(0, Math.min(12, hash.length()));
    }
}
