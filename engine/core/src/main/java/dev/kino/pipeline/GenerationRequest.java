package dev.kino.pipeline;

import dev.kino.image.Fit;
import dev.kino.noise.TorchGenerator;
import dev.kino.request.RequestSchema;
import dev.kino.request.Setting;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What to generate: a value for some of the settings of {@link RequestSchema}. Every setting but the prompt may
 * be left unset, in which case the model's defaults from its manifest apply (or the setting's own default,
 * {@link Setting#defaultText()}). Immutable; {@link #with} makes a changed copy.
 *
 * <p>The typed accessors ({@link #steps()}, ...) are shorthands of {@link #get}; a new setting needs none.
 */
public final class GenerationRequest {
    private final Map<Setting<?>, Object> values;

    private GenerationRequest(Map<Setting<?>, Object> values) {
        Objects.requireNonNull(values.get(RequestSchema.PROMPT), "prompt");
        Map<Setting<?>, Object> set = new LinkedHashMap<>();
        for (Setting<?> s : RequestSchema.ALL) {
            if (values.get(s) != null) {
                set.put(s, values.get(s));
            }
        }
        this.values = Collections.unmodifiableMap(set);
    }

    /** A request of these values (unset settings absent or null); the prompt is required. */
    public static GenerationRequest of(Map<Setting<?>, Object> values) {
        return new GenerationRequest(values);
    }

    /** A builder for a request with this prompt and every other setting unset. */
    public static Builder builder(String prompt) {
        return new Builder(prompt);
    }

    /** The value of {@code setting}, or null when unset. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values.get(setting);
    }

    /** A copy with {@code setting} set to {@code value} (null: unset). */
    public <T> GenerationRequest with(Setting<T> setting, T value) {
        Map<Setting<?>, Object> copy = new LinkedHashMap<>(values);
        copy.put(setting, value);
        return new GenerationRequest(copy);
    }

    /** The settings that are set, in {@link RequestSchema#ALL}'s order. */
    public Map<Setting<?>, Object> values() {
        return values;
    }

    /** The request as a JSON object's fields, by setting name (paths as text, choices in lower case). */
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((s, v) -> out.put(s.name(), s.json(v)));
        return out;
    }

    /**
     * Reads {@link #toJson()}'s fields back, each through its setting (so the same checks); file settings name
     * paths.
     *
     * @throws dev.kino.request.SettingException for a value a setting does not take
     * @throws IllegalArgumentException          for a name that is no setting
     */
    public static GenerationRequest fromJson(Map<String, ?> fields) {
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        fields.forEach((name, raw) -> {
            Setting<?> s = RequestSchema.named(name);
            if (s == null) {
                throw new IllegalArgumentException("no request setting is named " + name);
            }
            values.put(s, s.read(raw, Setting.Files.PATHS));
        });
        return new GenerationRequest(values);
    }

    public String prompt() {
        return get(RequestSchema.PROMPT);
    }

    public String negativePrompt() {
        return get(RequestSchema.NEGATIVE);
    }

    public Integer steps() {
        return get(RequestSchema.STEPS);
    }

    public Double guidance() {
        return get(RequestSchema.GUIDANCE);
    }

    public Long seed() {
        return get(RequestSchema.SEED);
    }

    public Integer frames() {
        return get(RequestSchema.FRAMES);
    }

    public Integer width() {
        return get(RequestSchema.WIDTH);
    }

    public Integer height() {
        return get(RequestSchema.HEIGHT);
    }

    public Integer fps() {
        return get(RequestSchema.FPS);
    }

    public String scheduler() {
        return get(RequestSchema.SCHEDULER);
    }

    public TorchGenerator.Kernel noiseKernel() {
        return get(RequestSchema.NOISE_KERNEL);
    }

    public Path image() {
        return get(RequestSchema.IMAGE);
    }

    public Path lastImage() {
        return get(RequestSchema.LAST_IMAGE);
    }

    public Path continueFrom() {
        return get(RequestSchema.CONTINUE_FROM);
    }

    public Fit fit() {
        return get(RequestSchema.FIT);
    }

    /** Video-to-video: the video the generation starts from (null: from noise). */
    public Path sourceVideo() {
        return get(RequestSchema.SOURCE_VIDEO);
    }

    /** Video-to-video: how much of the schedule runs, in (0, 1] (null: 0.8, diffusers' default). */
    public Double strength() {
        return get(RequestSchema.STRENGTH);
    }

    /** Wan VACE: pictures to keep, in order (empty: none). */
    public java.util.List<Path> referenceImages() {
        java.util.List<Path> v = get(RequestSchema.REFERENCE_IMAGE);
        return v == null ? java.util.List.of() : v;
    }

    /** Wan VACE: the control video, or the source video a mask repaints. */
    public Path controlVideo() {
        return get(RequestSchema.CONTROL_VIDEO);
    }

    /** Wan VACE: white where the video is generated, black where the control video is kept. */
    public Path maskVideo() {
        return get(RequestSchema.MASK_VIDEO);
    }

    /** Wan VACE: how strongly the control steers (null: 1). */
    public Double conditioningScale() {
        return get(RequestSchema.CONDITIONING_SCALE);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationRequest r && r.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "GenerationRequest" + toJson();
    }

    /** Fluent construction: {@code GenerationRequest.builder("a red circle").steps(20).seed(7L).build()}. */
    public static final class Builder {
        private java.util.List<Path> referenceImages = java.util.List.of();
        private final Map<Setting<?>, Object> values = new LinkedHashMap<>();

        private Builder(String prompt) {
            values.put(RequestSchema.PROMPT, Objects.requireNonNull(prompt, "prompt"));
        }

        /** Sets any setting (null: unset). */
        public <T> Builder set(Setting<T> setting, T value) {
            values.put(setting, value);
            return this;
        }

        /** LoRAs to merge into the denoiser, in order, each with its strength (sets lora and lora_strength). */
        public Builder loras(java.util.List<dev.kino.lora.Lora> v) {
            if (v == null || v.isEmpty()) {
                return set(RequestSchema.LORA, null).set(RequestSchema.LORA_STRENGTH, null);
            }
            set(RequestSchema.LORA, v.stream().map(dev.kino.lora.Lora::file).toList());
            return set(RequestSchema.LORA_STRENGTH, String.join(",", v.stream().map(l -> l.strength()
                    + (l.expert() == null ? "" : l.expert() == 0 ? ":high" : ":low")).toList()));
        }

        public Builder negativePrompt(String v) {
            return set(RequestSchema.NEGATIVE, v);
        }

        public Builder steps(Integer v) {
            return set(RequestSchema.STEPS, v);
        }

        public Builder guidance(Double v) {
            return set(RequestSchema.GUIDANCE, v);
        }

        public Builder seed(Long v) {
            return set(RequestSchema.SEED, v);
        }

        public Builder frames(Integer v) {
            return set(RequestSchema.FRAMES, v);
        }

        public Builder width(Integer v) {
            return set(RequestSchema.WIDTH, v);
        }

        public Builder height(Integer v) {
            return set(RequestSchema.HEIGHT, v);
        }

        public Builder fps(Integer v) {
            return set(RequestSchema.FPS, v);
        }

        public Builder scheduler(String v) {
            return set(RequestSchema.SCHEDULER, v);
        }

        public Builder noiseKernel(TorchGenerator.Kernel v) {
            return set(RequestSchema.NOISE_KERNEL, v);
        }

        public Builder image(Path v) {
            return set(RequestSchema.IMAGE, v);
        }

        public Builder lastImage(Path v) {
            return set(RequestSchema.LAST_IMAGE, v);
        }

        public Builder continueFrom(Path v) {
            return set(RequestSchema.CONTINUE_FROM, v);
        }

        public Builder fit(Fit v) {
            return set(RequestSchema.FIT, v);
        }

        /** The request with the settings given so far. */
        /** Video-to-video: start from this video. */
        public Builder sourceVideo(Path v) {
            return set(RequestSchema.SOURCE_VIDEO, v);
        }

        /** Video-to-video: how much of the schedule runs. */
        public Builder strength(Double v) {
            return set(RequestSchema.STRENGTH, v);
        }

        /** Wan VACE: adds a reference picture (repeatable). */
        public Builder referenceImage(Path v) {
            java.util.List<Path> all = new java.util.ArrayList<>(referenceImages);
            all.add(v);
            referenceImages = all;
            return set(RequestSchema.REFERENCE_IMAGE, java.util.List.copyOf(all));
        }

        /** Wan VACE: the control (or source) video. */
        public Builder controlVideo(Path v) {
            return set(RequestSchema.CONTROL_VIDEO, v);
        }

        /** Wan VACE: the mask video. */
        public Builder maskVideo(Path v) {
            return set(RequestSchema.MASK_VIDEO, v);
        }

        /** Wan VACE: the conditioning scale. */
        public Builder conditioningScale(Double v) {
            return set(RequestSchema.CONDITIONING_SCALE, v);
        }

        public GenerationRequest build() {
            return new GenerationRequest(values);
        }
    }
}
