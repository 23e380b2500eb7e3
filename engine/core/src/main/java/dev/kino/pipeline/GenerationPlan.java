package dev.kino.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.KinoException;
import dev.kino.noise.TorchGenerator;
import dev.kino.request.RequestSchema;
import dev.kino.request.Setting;
import dev.kino.request.Sha256;

import java.util.Arrays;
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
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final int FORMAT = 1;

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
    private final String fingerprint;

    GenerationPlan(String modelName, String modelIdentity, ResolvedSettings settings,
                   Map<String, Object> schedulerConfig, double[] timesteps, float[] sigmas, double[] guidance,
                   long[] latentShape, int sequenceLength, Pictures pictures, GenerationRequest request) {
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
        this.fingerprint = Sha256.of(decidingJson().toString());
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
        ObjectNode root = decidingJson();
        root.put("format", FORMAT);
        root.put("model_name", modelName);
        ((ObjectNode) root.get("settings")).put("execution_provider", settings.executionProvider());
        if (pictures != null) {
            root.put("fit", pictures.fit().name());
            ArrayNode files = root.putArray("picture_files");
            for (Pictures.Source src : pictures.sources()) {
                files.addObject().put("role", src.role().name()).put("path", src.file().toString())
                        .put("sha256", src.sha256());
            }
        }
        if (request != null) {
            root.set("request", JSON.valueToTree(request.toJson()));
        }
        root.put("fingerprint", fingerprint);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads a plan written by {@link #toJson}.
     *
     * @throws KinoException when the text is not such a plan, was edited (its fingerprint no longer matches), or a
     *                       picture file it refers to is gone or changed
     */
    public static GenerationPlan fromJson(String json) {
        try {
            JsonNode r = JSON.readTree(json);
            if (r == null || r.path("format").asInt() != FORMAT) {
                throw new KinoException("This is not a Kino generation plan of format " + FORMAT
                        + "; make the plan again with this Kino.");
            }
            Pictures pictures = r.has("pictures") ? pictures(r) : null;
            JsonNode s = r.get("settings");
            ResolvedSettings settings = new ResolvedSettings(s.get("prompt").asText(),
                    s.get("negative_prompt").asText(), s.get("steps").asInt(), s.get("guidance").asDouble(),
                    s.get("seed").asLong(), s.get("frames").asInt(), s.get("width").asInt(), s.get("height").asInt(),
                    s.get("fps").asInt(), s.get("scheduler").asText(), s.path("execution_provider").asText(),
                    TorchGenerator.Kernel.valueOf(s.get("noise_kernel").asText()));
            @SuppressWarnings("unchecked")
            Map<String, Object> config = JSON.convertValue(r.get("scheduler_config"), LinkedHashMap.class);
            JsonNode sig = r.get("sigmas");
            float[] sigmas = sig == null || sig.isNull() ? null : floats(sig);
            GenerationPlan plan = new GenerationPlan(r.get("model_name").asText(), r.get("model_identity").asText(),
                    settings, config, doubles(r.get("timesteps")), sigmas, doubles(r.get("guidance")),
                    longs(r.get("latent_shape")), r.get("sequence_length").asInt(), pictures,
                    r.has("request") ? GenerationRequest.fromJson(JSON.convertValue(r.get("request"), Map.class)) : null);
            if (!plan.fingerprint.equals(r.path("fingerprint").asText())) {
                throw new KinoException("The generation plan was changed after it was made (its fingerprint does not"
                        + " match); make the plan again from its request.");
            }
            return plan;
        } catch (JsonProcessingException | RuntimeException e) {
            if (e instanceof KinoException k) {
                throw k;
            }
            throw new KinoException("The generation plan is not valid JSON of a Kino plan ("
                    + e.getClass().getSimpleName() + "); make the plan again from its request.", e);
        }
    }

    /** The pictures a plan's JSON refers to, read again after their bytes are checked against the stored hashes. */
    private static Pictures pictures(JsonNode r) {
        java.util.List<Pictures.Source> sources = new java.util.ArrayList<>();
        for (JsonNode f : r.path("picture_files")) {
            java.nio.file.Path file = java.nio.file.Path.of(f.get("path").asText());
            if (!java.nio.file.Files.isRegularFile(file)) {
                throw new KinoException("The picture " + file + " this plan conditions on is gone; put it back or"
                        + " make the plan again from its request.");
            }
            String sha = f.get("sha256").asText();
            if (!Pictures.fileSha256(file).equals(sha)) {
                throw new KinoException("The picture " + file + " changed after the plan was made (its SHA-256 no"
                        + " longer matches); make the plan again from its request.");
            }
            sources.add(new Pictures.Source(Pictures.Role.valueOf(f.get("role").asText()), file, sha));
        }
        if (sources.isEmpty()) {
            throw new KinoException("This plan conditions on pictures but names no picture files (it was written by"
                    + " an older Kino); make the plan again from its request.");
        }
        return Pictures.read(sources, dev.kino.image.Fit.valueOf(r.get("fit").asText()));
    }

    /** Everything the fingerprint covers, as canonical JSON. */
    private ObjectNode decidingJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("model_identity", modelIdentity);
        ObjectNode s = root.putObject("settings");
        s.put("prompt", settings.prompt());
        s.put("negative_prompt", settings.negativePrompt());
        s.put("steps", settings.steps());
        s.put("guidance", settings.guidance());
        s.put("seed", settings.seed());
        s.put("frames", settings.frames());
        s.put("width", settings.width());
        s.put("height", settings.height());
        s.put("fps", settings.fps());
        s.put("scheduler", settings.scheduler());
        s.put("noise_kernel", settings.noiseKernel().name());
        root.set("scheduler_config", JSON.valueToTree(new TreeMap<>(schedulerConfig)));
        ArrayNode t = root.putArray("timesteps");
        Arrays.stream(timesteps).forEach(t::add);
        if (sigmas == null) {
            root.putNull("sigmas");
        } else {
            ArrayNode a = root.putArray("sigmas");
            for (float v : sigmas) {
                a.add(v);
            }
        }
        ArrayNode g = root.putArray("guidance");
        Arrays.stream(guidance).forEach(g::add);
        ArrayNode shape = root.putArray("latent_shape");
        Arrays.stream(latentShape).forEach(shape::add);
        root.put("sequence_length", sequenceLength);
        if (pictures != null) {
            root.put("pictures", pictures.sha256());
        }
        if (!otherSettings.isEmpty()) {
            root.set("other_settings", JSON.valueToTree(otherSettings));
        }
        return root;
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

    private static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asDouble();
        }
        return v;
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return v;
    }

    private static long[] longs(JsonNode a) {
        long[] v = new long[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asLong();
        }
        return v;
    }

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
