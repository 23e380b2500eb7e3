package dev.kino.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import dev.kino.model.Manifest.Precision;
import dev.kino.model.Manifest.VaeKind;
import dev.kino.schedule.PredictionType;
import dev.kino.schedule.SchedulerConfig;
import dev.kino.schedule.SchedulerException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses {@code kino.json} into a {@link Manifest}, reporting every problem of the file at once. */
public final class ManifestReader {
    /** The manifest's file name inside a package folder. */
    public static final String FILE_NAME = "kino.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ManifestReader() {
    }

    /** Reads and checks the manifest file {@code file}. */
    public static Manifest read(Path file) {
        String json;
        try {
            json = utf8(file);
        } catch (IOException e) {
            throw new KinoException("Cannot read the manifest " + file + ": " + e.getMessage() + ".");
        }
        return parse(json, file.toString());
    }

    /**
     * Parses and checks manifest text; {@code source} names it in messages (a path, or a resource of the jar).
     *
     * @throws KinoException listing every problem of the manifest in one sentence
     */
    public static Manifest parse(String json, String source) {
        String file = source;
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new KinoException("The manifest " + file + " is not valid JSON (line "
                    + e.getLocation().getLineNr() + "): " + e.getOriginalMessage() + "; fix the file.");
        }
        if (root == null || !root.isObject()) {
            throw new KinoException("The manifest " + file + " must hold one JSON object; fix the file.");
        }
        List<String> problems = new ArrayList<>();
        Manifest manifest = parse(new JsonFields(root, "", problems), problems);
        if (!problems.isEmpty()) {
            throw new KinoException("The manifest " + file + " has " + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + ": " + String.join("; ", problems)
                    + ". See models/README.md for the format.");
        }
        return manifest;
    }

    /** The file's text; one sentence when it is not UTF-8 (UTF-16 from some editors, or a binary file). */
    private static String utf8(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        boolean utf16 = bytes.length >= 2 && ((bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xFE)
                || (bytes[0] == (byte) 0xFE && bytes[1] == (byte) 0xFF));
        boolean nul = false;
        for (byte b : bytes) {
            nul |= b == 0;
        }
        try {
            if (utf16 || nul) {
                throw new java.nio.charset.CharacterCodingException();
            }
            String text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text; // a UTF-8 byte-order mark is harmless
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new KinoException("The manifest " + file + " is not UTF-8 JSON ("
                    + (utf16 || nul ? "it looks like UTF-16 or binary data" : "it holds bytes that are not UTF-8")
                    + "); save it as UTF-8 text.");
        }
    }

    private static Manifest parse(JsonFields root, List<String> problems) {
        int version = root.positiveInt("kino");
        if (version != 1) {
            problems.add("kino is " + version + " but this Kino reads manifest version 1");
        }
        Manifest m = new Manifest(version,
                root.string("name"),
                root.optionalString("description", ""),
                root.string("tokenizer"),
                textEncoder(root.object("text_encoder"), root.string("tokenizer"), false),
                latent((root.object("latent"))),
                defaults((root.object("defaults"))),
                denoiser((root.object("denoiser")), problems),
                scheduler(root, problems),
                vae((root.object("vae")), problems),
                root.raw("conditioning") == null ? null : conditioning(root.object("conditioning")),
                root.raw("vae_encoder") == null ? null : vaeEncoder(root.object("vae_encoder")),
                root.raw("sampling") == null ? null : sampling(root.object("sampling")),
                extraTextEncoders(root));
        if (m.conditioning() != null && m.vaeEncoder() != null) {
            problems.add("vae_encoder is given twice (at the top and under conditioning); keep the one under"
                    + " conditioning");
        }
        root.raw("preview"); // optional live-preview factors; services read them (models/README.md)
        root.rejectUnknownKeys();
        return m;
    }

    /** The first encoder ({@code extra} false) takes the manifest's {@code tokenizer}; extra ones name their own. */
    private static Manifest.TextEncoder textEncoder(JsonFields f, String tokenizer, boolean extra) {
        Manifest.Quoted quoted = null;
        if (f.raw("quoted") != null) {
            JsonFields q = f.object("quoted");
            quoted = new Manifest.Quoted(q.optionalString("each", "{}"), q.optionalString("separator", " "),
                    q.optionalString("suffix", ""));
        }
        String template = f.optionalString("template", null);
        if (template != null && !template.contains("{prompt}")) {
            f.problem("template", "must contain {prompt} where the prompt goes");
        }
        int crop = f.raw("crop_start") == null ? 0 : f.optionalPositiveInt("crop_start", 0);
        JsonNode layer = f.raw("layer");
        if (layer != null && !layer.isIntegralNumber()) {
            f.problem("layer", "must be a whole number (diffusers' hidden_states index, e.g. -3)");
        }
        return new Manifest.TextEncoder(f.string("file"), precision(f), f.positiveInt("max_length"),
                f.oneOf("padding", "max_length", "longest"), f.string("input_ids"),
                f.optionalString("attention_mask", null), f.string("output"), f.bool("dynamic_batch"),
                f.optionalBool("zero_padding", false), f.optionalBool("clean_prompt", false),
                extra ? f.string("tokenizer") : tokenizer, template, f.optionalString("empty_prompt", ""), crop,
                layer == null ? 0 : layer.asInt(), quoted,
                extra ? f.string("denoiser_input") : null, extra ? f.optionalString("denoiser_mask", null) : null,
                Weights.read(f));
    }

    /** {@code extra_text_encoders}: a list of encoder objects, each with its tokenizer and denoiser inputs. */
    private static List<Manifest.TextEncoder> extraTextEncoders(JsonFields root) {
        JsonNode list = root.raw("extra_text_encoders");
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            root.problem("extra_text_encoders", "must be a list of text encoder objects");
            return List.of();
        }
        List<Manifest.TextEncoder> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(textEncoder(root.element("extra_text_encoders", i), null, true));
        }
        return List.copyOf(out);
    }

    private static Manifest.Latent latent(JsonFields f) {
        return new Manifest.Latent(f.positiveInt("channels"), f.positiveInt("spatial_compression"),
                f.positiveInt("temporal_compression"), f.bool("causal"), f.optionalPositiveInt("size_multiple", 8));
    }

    private static Manifest.Defaults defaults(JsonFields f) {
        return new Manifest.Defaults(f.positiveInt("width"), f.positiveInt("height"), f.positiveInt("frames"),
                f.positiveInt("fps"), f.positiveInt("steps"), f.number("guidance"),
                f.optionalString("negative_prompt", ""));
    }

    private static Manifest.Denoiser denoiser(JsonFields f, List<String> problems) {
        String prediction = f.oneOf("prediction_type", "epsilon", "v_prediction", "flow");
        PredictionType type = PredictionType.fromManifest(prediction);
        String file = f.string("file");
        return new Manifest.Denoiser(file, precision(f), f.bool("dynamic_batch"), f.string("sample"),
                f.string("timestep"), f.string("text_embeddings"), f.string("output"), type,
                f.oneOf("timestep_dtype", "int64", "float32"), f.optionalNumber("timestep_scale", 1.0),
                f.optionalInts("patch_size", 3, List.of(1, 1, 1)), experts(f, file, problems),
                f.optionalPositiveInt("in_channels", 0), f.optionalString("image_embeddings", null),
                f.optionalBool("timestep_per_frame", false), f.optionalString("text_mask", null),
                f.optionalString("frame_rate", null), f.raw("control") == null ? null : control(f.object("control")),
                Weights.read(f));
    }

    private static Manifest.Control control(JsonFields f) {
        return new Manifest.Control(f.string("input"), f.string("scale_input"), f.positiveInt("channels"),
                f.positiveInt("layers"));
    }

    private static Manifest.Sampling sampling(JsonFields f) {
        String pipeline = f.raw("pipeline") == null ? null : f.oneOf("pipeline", Manifest.Sampling.LTX_CONDITION);
        String sigmas = f.raw("sigmas") == null ? null : f.oneOf("sigmas", Manifest.Sampling.LINSPACE_SIGMAS);
        if (pipeline == null && sigmas == null) {
            f.problem("pipeline", "or sigmas must say how the model's pipeline samples");
        }
        float[] list = f.optionalFloats("timesteps");
        double[] timesteps = null;
        if (list != null) {
            JsonNode raw = f.raw("timesteps");
            timesteps = new double[list.length];
            for (int i = 0; i < list.length; i++) {
                timesteps[i] = raw.get(i).asDouble();
                if (i > 0 && !(timesteps[i] < timesteps[i - 1])) {
                    f.problem("timesteps", "must fall from high noise to low (each below the one before)");
                    break;
                }
            }
            if (list.length == 0) {
                f.problem("timesteps", "must not be empty");
            }
        }
        return new Manifest.Sampling(pipeline, timesteps, sigmas);
    }

    private static Manifest.Conditioning conditioning(JsonFields f) {
        Manifest.Conditioning.Mode mode = "expand_timesteps".equals(f.oneOf("mode", "concat", "expand_timesteps"))
                ? Manifest.Conditioning.Mode.EXPAND_TIMESTEPS : Manifest.Conditioning.Mode.CONCAT;
        Manifest.VaeEncoder encoder = vaeEncoder(f.object("vae_encoder"));
        Manifest.ImageEncoder image = null;
        if (f.raw("image_encoder") != null) {
            JsonFields i = f.object("image_encoder");
            image = new Manifest.ImageEncoder(i.string("file"), i.string("input"), i.string("output"),
                    i.string("denoiser_input"), i.positiveInt("images"), i.positiveInt("tokens"),
                    i.optionalPositiveInt("shortest_edge", 0), i.positiveInt("crop_width"), i.positiveInt("crop_height"),
                    i.oneOf("resample", "bicubic", "bilinear", "lanczos"), i.optionalFloats("mean"),
                    i.optionalFloats("std"), "resized".equals(i.optionalOneOf("picture", "original", "resized")));
            if (image.mean() == null || image.std() == null || image.mean().length != 3 || image.std().length != 3) {
                i.problem("mean", "and std must be given with 3 values each");
            }
        }
        return new Manifest.Conditioning(mode, need(f, "image"), need(f, "last_image"),
                f.oneOf("resize", "lanczos", "bicubic", "bilinear"),
                mode == Manifest.Conditioning.Mode.CONCAT ? f.positiveInt("mask_channels") : 0, encoder, image,
                Manifest.Conditioning.Layout.valueOf(f.optionalOneOf("layout", "mask_latents", "latents_mask")
                        .toUpperCase(java.util.Locale.ROOT)),
                Manifest.Conditioning.Encode.valueOf(f.optionalOneOf("encode", "video", "first_picture")
                        .toUpperCase(java.util.Locale.ROOT)));
    }

    /** A VAE encoder: an image model's (under {@code conditioning}) or a text model's own (video-to-video). */
    private static Manifest.VaeEncoder vaeEncoder(JsonFields e) {
        boolean causal = "causal".equals(e.optionalOneOf("kind", "causal", "3d"));
        Manifest.VaeEncoder encoder = causal
                ? new Manifest.VaeEncoder(Manifest.VaeKind.CAUSAL, e.string("file"), e.string("next_file"),
                        e.string("input"), e.string("output"), e.strings("cache_inputs"), e.strings("cache_outputs"),
                        e.positiveInt("frames_first"), e.positiveInt("frames_next"))
                : new Manifest.VaeEncoder(Manifest.VaeKind.THREE_D, e.string("file"), null, e.string("input"),
                        e.string("output"), List.of(), List.of(), 0, 0);
        if (encoder.cacheInputs().size() != encoder.cacheOutputs().size()) {
            e.problem("cache_inputs", "and cache_outputs must name the same number of caches");
        }
        return encoder;
    }

    private static Manifest.Conditioning.Need need(JsonFields f, String key) {
        return switch (f.oneOf(key, "required", "optional", "unsupported")) {
            case "required" -> Manifest.Conditioning.Need.REQUIRED;
            case "optional" -> Manifest.Conditioning.Need.OPTIONAL;
            default -> Manifest.Conditioning.Need.UNSUPPORTED;
        };
    }

    /** The experts list, or the one graph {@code file} as a single expert covering every timestep. */
    private static List<Manifest.Expert> experts(JsonFields f, String file, List<String> problems) {
        JsonNode list = f.raw("experts");
        if (list == null || list.isNull()) {
            return List.of(new Manifest.Expert(file, 0.0, null));
        }
        List<Manifest.Expert> experts = new ArrayList<>();
        double previous = Double.POSITIVE_INFINITY;
        for (int i = 0; list.isArray() && i < list.size(); i++) {
            JsonFields e = f.element("experts", i);
            double boundary = e.number("boundary_ratio");
            if (boundary < 0 || boundary > 1 || boundary > previous) {
                problems.add(f.where("experts[" + i + "].boundary_ratio") + " must be between 0 and 1 and"
                        + " not above the previous expert's (experts run from high noise to low noise)");
            }
            previous = boundary;
            experts.add(new Manifest.Expert(e.string("file"), boundary,
                    e.raw("guidance") == null || e.raw("guidance").isNull() ? null : e.number("guidance")));
        }
        if (experts.isEmpty()) {
            problems.add(f.where("experts") + " must be a non-empty list of {file, boundary_ratio, guidance}");
            return List.of(new Manifest.Expert(file, 0.0, null));
        }
        if (!experts.get(0).file().equals(file)) {
            problems.add(f.where("file") + " must name the first (high-noise) expert, " + experts.get(0).file());
        }
        if (experts.get(experts.size() - 1).boundaryRatio() != 0.0) {
            problems.add(f.where("experts") + ": the last expert must have boundary_ratio 0 so every timestep has one");
        }
        return List.copyOf(experts);
    }

    @SuppressWarnings("unchecked")
    private static SchedulerConfig scheduler(JsonFields root, List<String> problems) {
        JsonNode node = root.raw("scheduler");
        if (node == null || !node.isObject()) {
            problems.add("scheduler " + (node == null ? "is missing" : "must be an object")
                    + " (copy diffusers' scheduler_config.json there)");
            return new SchedulerConfig(Map.of());
        }
        if (!node.has("_class_name")) {
            problems.add("scheduler._class_name is missing (the diffusers scheduler class, e.g. DDIMScheduler)");
        }
        SchedulerConfig config = new SchedulerConfig(JSON.convertValue(node, LinkedHashMap.class));
        try {
            if (config.trainTimesteps() < 1) {
                problems.add("scheduler.num_train_timesteps must be at least 1");
            }
        } catch (SchedulerException e) {
            problems.add("scheduler.num_train_timesteps must be a whole number");
        }
        return config;
    }

    private static Manifest.Vae vae(JsonFields f, List<String> problems) {
        VaeKind kind = switch (f.oneOf("kind", "2d", "3d", "causal")) {
            case "3d" -> VaeKind.THREE_D;
            case "causal" -> VaeKind.CAUSAL;
            default -> VaeKind.TWO_D;
        };
        float[] mean = f.optionalFloats("latents_mean");
        float[] std = f.optionalFloats("latents_std");
        if ((mean == null) != (std == null) || (mean != null && mean.length != std.length)) {
            problems.add("vae.latents_mean and vae.latents_std must be given together, with one value per channel");
        }
        boolean perChannel = mean != null;
        double scaling = perChannel ? f.optionalNumber("scaling_factor", 1.0) : f.number("scaling_factor");
        if (!perChannel && scaling == 0) {
            problems.add("vae.scaling_factor must not be 0");
        }
        String denormalize = f.optionalString("denormalize", "divide_inverse_std");
        if (!denormalize.equals("divide_inverse_std") && !denormalize.equals("multiply_std")) {
            f.problem("denormalize", "must be divide_inverse_std (Wan) or multiply_std (LTX-Video)");
        }
        Manifest.DecodeNoise noise = null;
        String timestepInput = f.optionalString("timestep", null);
        if (timestepInput != null) {
            double t = f.number("decode_timestep");
            double scale = f.optionalNumber("decode_noise_scale", t);
            if (!(t >= 0 && t <= 1) || !(scale >= 0 && scale <= 1)) {
                problems.add("vae.decode_timestep and vae.decode_noise_scale must be between 0 and 1");
            }
            noise = new Manifest.DecodeNoise(timestepInput, t, scale);
        }
        List<Manifest.InjectedNoise> injected = new ArrayList<>();
        JsonNode planes = f.raw("injected_noise");
        for (int i = 0; planes != null && planes.isArray() && i < planes.size(); i++) {
            JsonFields e = f.element("injected_noise", i);
            injected.add(new Manifest.InjectedNoise(e.string("input"), e.positiveInt("scale")));
        }
        if (planes != null && !planes.isNull() && !planes.isArray()) {
            f.problem("injected_noise", "must be a list of {input, scale}");
        }
        boolean causal = kind == VaeKind.CAUSAL;
        List<String> cacheIn = causal ? f.strings("cache_inputs") : List.of();
        List<String> cacheOut = causal ? f.strings("cache_outputs") : List.of();
        if (cacheIn.size() != cacheOut.size()) {
            problems.add("vae.cache_inputs and vae.cache_outputs must name the same number of caches ("
                    + cacheIn.size() + " vs " + cacheOut.size() + ")");
        }
        return new Manifest.Vae(kind, f.string("file"), precision(f), f.bool("dynamic_batch"), f.string("input"),
                f.string("output"), kind == VaeKind.TWO_D ? f.optionalPositiveInt("chunk_frames", 8) : 0,
                scaling, f.optionalNumber("shift_factor", 0.0), mean, std,
                causal ? f.string("next_file") : null, cacheIn, cacheOut,
                causal ? f.positiveInt("frames_first") : 0, causal ? f.positiveInt("frames_next") : 0,
                denormalize.equals("multiply_std"), noise, List.copyOf(injected), Weights.read(f));
    }

    /** The graph's input/output precision (what Kino feeds and reads back). */
    private static Precision precision(JsonFields f) {
        return "fp16".equals(f.oneOf("precision", "fp32", "fp16")) ? Precision.FP16 : Precision.FP32;
    }
}
