package dev.kino.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.KinoException;
import dev.kino.noise.TorchGenerator;
import dev.kino.request.Sha256;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link GenerationPlan} as JSON: the canonical part its fingerprint hashes, the whole plan a server persists,
 * and the plan read back (picture and video files checked against their stored hashes).
 */
final class PlanJson {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    static final int FORMAT = 1;

    private PlanJson() {
    }

    /** The whole plan (see {@link GenerationPlan#toJson}). */
    static String write(GenerationPlan plan) {
        Pictures pictures = plan.pictures();
        GenerationRequest request = plan.request();
        SourceVideo source = plan.sourceVideo();
        VaceInputs vace = plan.vace();
        ObjectNode root = deciding(plan);
        root.put("format", FORMAT);
        root.put("model_name", plan.modelName());
        ((ObjectNode) root.get("settings")).put("execution_provider", plan.settings().executionProvider());
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
        if (source != null) {
            root.putObject("source_video_file").put("path", source.file().toString()).put("sha256", source.sha256())
                    .put("strength", source.strength()).put("fit", source.fit().name());
        }
        if (vace != null) {
            ObjectNode v = root.putObject("vace_files");
            v.put("scale", vace.scale()).put("fit", vace.fit().name());
            ArrayNode files = v.putArray("files");
            for (Pictures.Source src : vace.sources()) {
                files.addObject().put("role", src.role().name()).put("path", src.file().toString())
                        .put("sha256", src.sha256());
            }
        }
        root.put("fingerprint", plan.fingerprint());
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a plan {@link #write} wrote (see {@link GenerationPlan#fromJson}). */
    static GenerationPlan read(String json) {
        try {
            JsonNode r = JSON.readTree(json);
            if (r == null || r.path("format").asInt() != FORMAT) {
                throw new KinoException("This is not a Kino generation plan of format " + FORMAT
                        + "; make the plan again with this Kino.");
            }
            Pictures pictures = r.has("pictures") ? pictures(r) : null;
            JsonNode v = r.get("source_video_file");
            SourceVideo source = v == null ? null : SourceVideo.reread(java.nio.file.Path.of(v.get("path").asText()),
                    v.get("sha256").asText(), v.get("strength").asDouble(),
                    dev.kino.image.Fit.valueOf(v.get("fit").asText()));
            JsonNode vf = r.get("vace_files");
            VaceInputs vace = vf == null ? null : VaceInputs.reread(sources(vf.path("files")),
                    vf.get("scale").asDouble(), dev.kino.image.Fit.valueOf(vf.get("fit").asText()));
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
                    r.has("request") ? GenerationRequest.fromJson(JSON.convertValue(r.get("request"), Map.class)) : null,
                    source, r.path("first_step").asInt(0), vace);
            if (!plan.fingerprint().equals(r.path("fingerprint").asText())) {
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
            if (!Sha256.of(file).equals(sha)) {
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

    private static java.util.List<Pictures.Source> sources(JsonNode files) {
        java.util.List<Pictures.Source> out = new java.util.ArrayList<>();
        for (JsonNode f : files) {
            out.add(new Pictures.Source(Pictures.Role.valueOf(f.get("role").asText()),
                    java.nio.file.Path.of(f.get("path").asText()), f.get("sha256").asText()));
        }
        return out;
    }

    /** Everything the fingerprint covers, as canonical JSON. */
    static ObjectNode deciding(GenerationPlan plan) {
        ResolvedSettings settings = plan.settings();
        float[] sigmas = plan.sigmas();
        Pictures pictures = plan.pictures();
        Map<String, Object> otherSettings = plan.otherSettings();
        SourceVideo source = plan.sourceVideo();
        VaceInputs vace = plan.vace();
        ObjectNode root = JSON.createObjectNode();
        root.put("model_identity", plan.modelIdentity());
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
        root.set("scheduler_config", JSON.valueToTree(new TreeMap<>(plan.schedulerConfig())));
        ArrayNode t = root.putArray("timesteps");
        Arrays.stream(plan.timesteps()).forEach(t::add);
        if (sigmas == null) {
            root.putNull("sigmas");
        } else {
            ArrayNode a = root.putArray("sigmas");
            for (float v : sigmas) {
                a.add(v);
            }
        }
        ArrayNode g = root.putArray("guidance");
        Arrays.stream(plan.guidance()).forEach(g::add);
        ArrayNode shape = root.putArray("latent_shape");
        Arrays.stream(plan.latentShape()).forEach(shape::add);
        root.put("sequence_length", plan.sequenceLength());
        if (pictures != null) {
            root.put("pictures", pictures.sha256());
        }
        if (!otherSettings.isEmpty()) {
            root.set("other_settings", JSON.valueToTree(otherSettings));
        }
        if (source != null) {
            root.put("source_video", source.contentSha256());
            root.put("first_step", plan.firstStep());
        }
        if (vace != null) {
            root.put("vace", vace.contentSha256());
        }
        return root;
    }

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
}
