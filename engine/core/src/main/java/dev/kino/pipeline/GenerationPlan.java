package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.request.RequestSchema;
import dev.kino.request.Setting;
import dev.kino.request.Sha256;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request resolved once against a model ({@link TextToVideoPipeline#plan}): the settings with the model's
 * defaults filled in, the scheduler (its Kino name and complete config) with the timesteps and sigmas it
 * plans, the guidance scale of each expert and the latent shape. Sizes, memory and the scheduler's step
 * limit are checked when the plan is made, so a plan that exists can run.
 *
 * <p>Immutable. {@link #toJson()} and {@link #fromJson} carry it between processes (what a render server
 * persists); {@link #fingerprint()} identifies everything that decides the output.
 *
 * <p>Pictures (image-to-video) are not copied into the JSON: it refers to the files they were read from by
 * absolute path and the SHA-256 of their bytes ({@code picture_files}, with the {@code fit}). {@link #fromJson}
 * reads them again and refuses, in one sentence, a file that is gone or whose bytes changed, so a plan (and a
 * checkpoint of it) never continues on another picture. Keep the files where they are while the plan lives
 * (a server stores uploaded pictures under its data folder by content hash).
 */
public final class GenerationPlan {
    private final String modelName;
    private final String modelIdentity;
    private final ResolvedSettings settings;
    private final Map<String, Object> schedulerConfig;
    private final double[] timesteps;
    private final float[] sigmas;
    private final double[] guidance;
    private final long[] latentShape;
    private final int sequenceLength;
    private final Pictures pictures;       // image models: the loaded pictures (toJson: their files' paths + hashes)
    private final GenerationRequest request;        // as given (toJson: every setting by name)
    private final Map<String, Object> otherSettings; // settings no field above resolves, as the fingerprint has them
    private final SourceVideo source;      // video-to-video: the source video (toJson: its file's path + hash)
    private final int firstStep;           // video-to-video: the step the run starts at (0 from noise)
    private final VaceInputs vace;         // Wan VACE: reference pictures, control and mask videos (or null)
    private final String fingerprint;

    GenerationPlan(String modelName, String modelIdentity, ResolvedSettings settings,
                   Map<String, Object> schedulerConfig, double[] timesteps, float[] sigmas, double[] guidance,
                   long[] latentShape, int sequenceLength, Pictures pictures, GenerationRequest request,
                   SourceVideo source, int firstStep, VaceInputs vace) {
        this.modelName = modelName;
        this.modelIdentity = modelIdentity;
        this.settings = settings;
        this.schedulerConfig = Collections.unmodifiableMap(new LinkedHashMap<>(schedulerConfig));
        this.timesteps = timesteps.clone();
        this.sigmas = sigmas == null ? null : sigmas.clone();
        this.guidance = guidance.clone();
        this.latentShape = latentShape.clone();
        this.sequenceLength = sequenceLength;
        this.pictures = pictures;
        this.request = request;
        this.otherSettings = request == null ? Map.of() : otherSettings(request);
        this.source = source;
        this.firstStep = firstStep;
        this.vace = vace;
        this.fingerprint = Sha256.of(PlanJson.deciding(this).toString());
    }

    /** The settings the run uses, defaults filled in. */
    public ResolvedSettings settings() {
        return settings;
    }

    /** Denoising steps. */
    public int steps() {
        return timesteps.length;
    }

    /** The timestep the denoiser is conditioned on at each step, as the scheduler planned them. */
    public double[] timesteps() {
        return timesteps.clone();
    }

    /** The scheduler's sigmas ({@code steps()+1} values), or null for schedulers without sigmas (DDIM). */
    public float[] sigmas() {
        return sigmas == null ? null : sigmas.clone();
    }

    /** The scheduler's complete diffusers config, under which {@link #settings()}'s scheduler name is built. */
    public Map<String, Object> schedulerConfig() {
        return schedulerConfig;
    }

    /** Guidance scale per denoiser expert (one value for a plain model); 1 or less means unguided. */
    public double[] guidance() {
        return guidance.clone();
    }

    /** Latents shape {@code [1, C, F, h, w]}. */
    public long[] latentShape() {
        return latentShape.clone();
    }

    /** Tokens per sample the denoiser attends over (what dynamic flow shifting plans with). */
    public int sequenceLength() {
        return sequenceLength;
    }

    /** Image models: the first (and last) frame the video is conditioned on, or null. */
    Pictures pictures() {
        return pictures;
    }

    /**
     * The request the plan was made of, as given (unset settings unset). A setting that no resolved field of the
     * plan covers (one added to {@link dev.kino.request.RequestSchema} after these fields) is read from here by the
     * stage that uses it, and is part of the fingerprint (files by the SHA-256 of their bytes). Null for a plan
     * written by an older Kino.
     */
    public GenerationRequest request() {
        return request;
    }

    /** Wan VACE: its inputs, or null for other models. */
    VaceInputs vace() {
        return vace;
    }

    /** Wan VACE: the leading latent frames that hold reference pictures (dropped before decoding). */
    public int referenceFrames() {
        return vace == null ? 0 : vace.references().size();
    }

    /** Video-to-video: the source video, or null. */
    SourceVideo sourceVideo() {
        return source;
    }

    /**
     * The step the run starts at: 0 from noise; video-to-video starts at {@code steps - int(steps x strength)}
     * with the source's latents noised to that step's level, as diffusers' {@code get_timesteps} cuts the schedule.
     */
    public int firstStep() {
        return firstStep;
    }

    /** The model's name from its manifest. */
    public String modelName() {
        return modelName;
    }

    /** A hash of the model package (its manifest and the sizes of its files) the plan was made for. */
    public String modelIdentity() {
        return modelIdentity;
    }

    /**
     * A SHA-256 of everything that decides the output: the model identity, the settings, the scheduler config
     * and its timesteps, the guidance and the latent shape. The execution provider is not part of it: a
     * checkpoint can be resumed on another device, with that device's arithmetic.
     */
    public String fingerprint() {
        return fingerprint;
    }

    /** The plan as JSON ({@link #fromJson} reads it back equal, fingerprint included). */
    public String toJson() {
        return PlanJson.write(this);
    }

    /**
     * Reads a plan written by {@link #toJson}.
     *
     * @throws KinoException when the text is not such a plan, was edited (its fingerprint no longer matches), or a
     *                       picture file it refers to is gone or changed
     */
    public static GenerationPlan fromJson(String json) {
        return PlanJson.read(json);
    }

    /** Settings no resolved field covers, as the fingerprint has them (see {@link #otherSettings(GenerationRequest)}). */
    Map<String, Object> otherSettings() {
        return otherSettings;
    }

    /**
     * The request's settings that no resolved field covers (everything but the settings {@link ResolvedSettings}
     * and {@link Pictures} hold), by name: files by the SHA-256 of their bytes, so the fingerprint covers what they
     * hold wherever they are. Sorted by name; what a take's identity adds for settings newer than its own lines.
     */
    public static Map<String, Object> otherSettings(GenerationRequest request) {
        Map<String, Object> out = new TreeMap<>();
        request.values().forEach((setting, value) -> {
            if (!RESOLVED.contains(setting)) {
                out.put(setting.name(), setting.json(hashed(value)));
            }
        });
        return out;
    }

    private static Object hashed(Object value) {
        if (value instanceof java.nio.file.Path file) {
            return Sha256.of(file);
        }
        if (value instanceof java.util.List<?> list) {
            return list.stream().map(GenerationPlan::hashed).toList();
        }
        return value;
    }

    /** The settings the plan's own fields resolve (the pictures' too): the rest are {@link #otherSettings}. */
    private static final java.util.Set<Setting<?>> RESOLVED = java.util.Set.of(RequestSchema.PROMPT,
            RequestSchema.NEGATIVE, RequestSchema.STEPS, RequestSchema.GUIDANCE, RequestSchema.SEED,
            RequestSchema.FRAMES, RequestSchema.WIDTH, RequestSchema.HEIGHT, RequestSchema.FPS, RequestSchema.SCHEDULER,
            RequestSchema.NOISE_KERNEL, RequestSchema.IMAGE, RequestSchema.LAST_IMAGE, RequestSchema.CONTINUE_FROM,
            RequestSchema.FIT);

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationPlan p && p.fingerprint.equals(fingerprint)
                && p.settings.executionProvider().equals(settings.executionProvider());
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    @Override
    public String toString() {
        return "GenerationPlan[" + modelName + ", " + settings + ", fingerprint " + fingerprint.substring(0, 12) + "]";
    }
}
