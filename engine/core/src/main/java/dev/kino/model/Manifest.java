package dev.kino.model;

import dev.kino.schedule.PredictionType;
import dev.kino.schedule.SchedulerConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed {@code kino.json} of a model package. Field meanings are documented in {@code models/README.md};
 * paths are relative to the package folder. {@code scheduler} is the model's diffusers
 * {@code scheduler_config.json}, typed ({@link SchedulerConfig#trainTimesteps()}, {@link SchedulerConfig#className()}).
 */
public record Manifest(
        int version,
        String name,
        String description,
        String tokenizer,
        TextEncoder textEncoder,
        Latent latent,
        Defaults defaults,
        Denoiser denoiser,
        SchedulerConfig scheduler,
        Vae vae,
        Conditioning conditioning,
        VaeEncoder vaeEncoder,
        Sampling sampling,
        List<TextEncoder> extraTextEncoders) {

    /**
     * Every text encoder, the first ({@code text_encoder}, fed to {@code denoiser.text_embeddings}) and then
     * the {@code extra_text_encoders} in manifest order, each routed to its own denoiser inputs.
     */
    public List<TextEncoder> textEncoders() {
        List<TextEncoder> all = new java.util.ArrayList<>();
        all.add(textEncoder);
        all.addAll(extraTextEncoders);
        return all;
    }

    /** Whether the model takes a picture (image-to-video, first/last frame); text-only models have no conditioning. */
    public boolean takesImages() {
        return conditioning != null;
    }

    /**
     * The VAE encoder a source video goes through (video-to-video): a text model's own {@code vae_encoder}, or
     * an image model's conditioning encoder; null when the package has none.
     */
    public VaeEncoder videoEncoder() {
        return vaeEncoder != null ? vaeEncoder : conditioning != null ? conditioning.vaeEncoder() : null;
    }

    /**
     * Every file the package consists of, by role ({@code tokenizer}, {@code text encoder}, {@code denoiser}
     * or {@code denoiser expert N}, {@code VAE decoder}, {@code VAE next-frame decoder}, and for image models
     * {@code VAE encoder}, {@code VAE next-frames encoder}, {@code image encoder}): the one list
     * loading, checking and unpacking a package go by. An ONNX file's external data ({@code FILE_data}) is
     * not named here; it lies beside its graph.
     */
    public Map<String, String> files() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("tokenizer", tokenizer);
        files.put("text encoder", textEncoder.file());
        for (int i = 0; i < extraTextEncoders.size(); i++) {
            files.put("tokenizer " + (i + 2), extraTextEncoders.get(i).tokenizer());
            files.put("text encoder " + (i + 2), extraTextEncoders.get(i).file());
        }
        List<Expert> experts = denoiser.experts();
        for (int i = 0; i < experts.size(); i++) {
            files.put(experts.size() == 1 ? "denoiser" : "denoiser expert " + (i + 1), experts.get(i).file());
        }
        files.put("VAE decoder", vae.file());
        if (vae.nextFile() != null) {
            files.put("VAE next-frame decoder", vae.nextFile());
        }
        VaeEncoder encoder = videoEncoder();
        if (encoder != null) {
            files.put("VAE encoder", encoder.file());
            if (encoder.nextFile() != null) {
                files.put("VAE next-frames encoder", encoder.nextFile());
            }
        }
        if (conditioning != null) {
            if (conditioning.imageEncoder() != null) {
                files.put("image encoder", conditioning.imageEncoder().file());
            }
        }
        return files;
    }

    /** Precision of an ONNX file's floating-point inputs and outputs. */
    public enum Precision {
        /** 32-bit floats. */
        FP32,
        /** 16-bit floats, converted at the boundary. */
        FP16
    }

    /** How a VAE decoder consumes latents. */
    public enum VaeKind {
        /** An image decoder: frames are folded into the batch axis and decoded a chunk at a time. */
        TWO_D("2d"),
        /** A video decoder that takes the whole clip at once. */
        THREE_D("3d"),
        /**
         * A causal video decoder run one latent frame at a time with its feature caches as explicit
         * inputs/outputs (Wan): a first-frame graph, then a next-frame graph fed the previous caches.
         */
        CAUSAL("causal");

        private final String key;

        VaeKind(String key) {
            this.key = key;
        }

        /** The manifest's spelling of this kind ({@code 2d}, {@code 3d}, {@code causal}). */
        public String key() {
            return key;
        }
    }

    /**
     * A text encoder and its tokenizer. {@code cleanPrompt}: prompts are cleaned before tokenizing as Wan's
     * pipeline does (HTML entities unescaped, whitespace runs collapsed, ends stripped); {@code zeroPadding}:
     * embeddings past the prompt's real length are zeros (Wan). {@code template} (may be null): the text the
     * prompt is set into before tokenizing, with {@code {prompt}} where it goes (a chat template rendered once
     * by the exporter); an empty prompt is replaced by {@code emptyPrompt} first. The tokenizer pads to
     * {@code maxLength + cropStart} and the first {@code cropStart} tokens (the template's head) are cut from the
     * embeddings and the mask, leaving {@code maxLength}. {@code layer} (informational, 0 when unsaid): which hidden
     * state the graph returns, counted from the end as diffusers indexes {@code hidden_states}. {@code quoted}
     * (may be null): the encoder reads only the quoted parts of the prompt (see {@link Quoted}).
     * {@code denoiserInput}/{@code denoiserMask}: the denoiser inputs its embeddings and mask go to (null for the
     * first encoder, which feeds {@code denoiser.text_embeddings} and {@code denoiser.text_mask}).
     * {@code weights}: how its weights are stored ({@link Weights}).
     */
    public record TextEncoder(String file, Precision precision, int maxLength, String padding, String inputIds,
                              String attentionMask, String output, boolean dynamicBatch, boolean zeroPadding,
                              boolean cleanPrompt, String tokenizer, String template, String emptyPrompt,
                              int cropStart, int layer, Quoted quoted, String denoiserInput, String denoiserMask,
                              Weights weights) {

        /** Tokens the tokenizer makes before the template's head is cropped. */
        public int tokenizedLength() {
            return maxLength + cropStart;
        }
    }

    /**
     * A text encoder that reads only the prompt's quoted text (on-screen text, "glyphs"): every {@code "..."} or
     * {@code “...”} span, duplicates dropped when there are several, each written as {@code each} with
     * {@code {}} for the span, joined by {@code separator}, then {@code suffix}. A prompt without quotes gives
     * all-zero embeddings and an all-zero mask, and the graph does not run.
     */
    public record Quoted(String each, String separator, String suffix) {
    }

    /** The latent space: channels, how much the VAE compresses space and time, and the size rule. */
    public record Latent(int channels, int spatialCompression, int temporalCompression, boolean causal,
                         int sizeMultiple) {

        /** Latent frames for {@code frames} video frames, assuming the frame rule holds. */
        public int latentFrames(int frames) {
            return causal ? (frames - 1) / temporalCompression + 1 : frames / temporalCompression;
        }

        /** Whether the VAE can produce exactly {@code frames} frames. */
        public boolean acceptsFrames(int frames) {
            if (frames < 1) {
                return false;
            }
            return causal ? (frames - 1) % temporalCompression == 0 : frames % temporalCompression == 0;
        }

        /** The frame rule in words, e.g. "4k+1 (5, 9, 13, ...)". */
        public String frameRule() {
            int t = temporalCompression;
            if (t == 1) {
                return "any positive number";
            }
            return causal
                    ? t + "k+1 (" + (t + 1) + ", " + (2 * t + 1) + ", " + (3 * t + 1) + ", ...)"
                    : "a multiple of " + t + " (" + t + ", " + 2 * t + ", " + 3 * t + ", ...)";
        }
    }

    /**
     * Wan VACE's control branch (docs/vace.md): the graph input {@code input} takes the control latents
     * {@code [B, channels, F, h, w]} (inactive and reactive latents, the mask folded to 64 channels; reference
     * images as leading latent frames), {@code scaleInput} one float32 scale per VACE layer ({@code layers}).
     */
    public record Control(String input, String scaleInput, int channels, int layers) {
    }

    /** What a request gets for the fields it leaves unset. */
    public record Defaults(int width, int height, int frames, int fps, int steps, double guidance,
                           String negativePrompt) {
    }

    /**
     * The denoiser. {@code experts} lists its graphs from high noise to low noise: a plain model has one
     * expert (its {@code file}, from timestep 0 up); Wan 2.2 A14B has two, switched at
     * {@code boundary_ratio × num_train_timesteps}, each with its own default guidance. {@code textMask}
     * (may be null) names an int64 {@code [B, L]} input fed the prompt's attention mask, and {@code frameRate}
     * (may be null) a float32 {@code [1]} input fed the video's fps (LTX-Video: both shape what the
     * network computes). {@code control} (may be null): Wan VACE's control inputs.
     * {@code weights}: how every expert's weights are stored ({@link Weights}).
     */
    public record Denoiser(String file, Precision precision, boolean dynamicBatch, String sample, String timestep,
                           String textEmbeddings, String output, PredictionType predictionType,
                           String timestepDtype, double timestepScale, List<Integer> patchSize,
                           List<Expert> experts, int inChannels, String imageEmbeddings, boolean timestepPerFrame,
                           String textMask, String frameRate, Control control, Weights weights) {

        /** Tokens per sample the denoiser attends over, for latents of the given frames/height/width. */
        public int sequenceLength(int latentFrames, int latentHeight, int latentWidth) {
            return (latentFrames / patchSize.get(0)) * (latentHeight / patchSize.get(1))
                    * (latentWidth / patchSize.get(2));
        }
    }

    /**
     * One denoiser graph of a mixture of experts: used for timesteps {@code t >= boundaryRatio ×
     * num_train_timesteps} not claimed by an earlier expert; {@code guidance} (may be null) is its default scale.
     */
    public record Expert(String file, double boundaryRatio, Double guidance) {
    }

    /**
     * The VAE decoder. {@code nextFile}, {@code cacheInputs}, {@code cacheOutputs}, {@code framesFirst} and
     * {@code framesNext} are for {@link VaeKind#CAUSAL} only: the next-frame graph, the cache names (output i
     * of one step feeds input i of the next) and the video frames each step makes. {@code multiplyStd}: per-channel
     * latents are denormalised as {@code latents * std / scaling_factor + mean} (LTX-Video) instead of Wan's
     * {@code latents / (1 / std) + mean}. {@code decodeNoise} (may be null): the decoder is timestep-conditioned.
     * {@code injectedNoise} (empty for most): noise the decoder adds inside, as graph inputs (LTX-Video 0.9.1).
     * {@code weights}: how its weights are stored ({@link Weights}).
     */
    public record Vae(VaeKind kind, String file, Precision precision, boolean dynamicBatch, String input,
                      String output, int chunkFrames, double scalingFactor, double shiftFactor,
                      float[] latentsMean, float[] latentsStd, String nextFile, List<String> cacheInputs,
                      List<String> cacheOutputs, int framesFirst, int framesNext, boolean multiplyStd,
                      DecodeNoise decodeNoise, List<InjectedNoise> injectedNoise, Weights weights) {
    }

    /**
     * One spatial noise plane a decoder adds inside a ResNet block (diffusers' {@code decoder_inject_noise},
     * LTX-Video 0.9.1): the graph input {@code input} takes {@code [h * scale, w * scale]} standard normals
     * for a latent of height h and width w, shared by all channels and frames. diffusers draws them with
     * {@code torch.randn} from the global generator, in the order listed, after the decode noise.
     */
    public record InjectedNoise(String input, int scale) {
    }

    /**
     * How the model's own pipeline samples, where it differs from the scheduler config alone (may be null).
     * {@code pipeline} {@code LTXConditionPipeline} (LTX-Video 0.9.5+, distilled models): timesteps go to
     * {@code set_timesteps(timesteps=...)}, {@code timesteps} when the run has as many steps as the list
     * (a distilled model's own list), else the linear-quadratic schedule; the step takes sigma from the
     * timestep. {@code timesteps} may be null; {@code pipeline} and {@code sigmas} (see
     * {@link #LINSPACE_SIGMAS}) may be null.
     */
    public record Sampling(String pipeline, double[] timesteps, String sigmas) {
        public static final String LTX_CONDITION = "LTXConditionPipeline";
        /**
         * {@code sigmas}: the pipeline hands the scheduler {@code sigmas = linspace(1, 0, N + 1)[:-1]}
         * ({@code set_timesteps(sigmas=...)}, then shifted), as HunyuanVideo 1.5's does.
         */
        public static final String LINSPACE_SIGMAS = "linspace";
    }

    /**
     * A timestep-conditioned VAE decoder (LTX-Video 0.9.1+): before decoding, the latents are mixed with fresh
     * noise from the run's generator, {@code (1 - noiseScale) * z + noiseScale * noise}, and the graph input
     * {@code timestepInput} is fed {@code timestep} (diffusers' {@code decode_timestep}, {@code decode_noise_scale}).
     */
    public record DecodeNoise(String timestepInput, double timestep, double noiseScale) {
    }

    /**
     * What an image model takes and how (models/export/image-to-video.md). {@code mode}: the picture's latents
     * concatenated to the noise with mask channels (Wan 2.1 I2V/FLF2V, 2.2 I2V-A14B, the demo model), or the clean
     * first latent frame with timestep 0 (Wan 2.2 TI2V-5B, {@code expand_timesteps}). A {@code concat} model whose
     * {@code image} is optional gets all-zero condition channels when no picture is given (the demo model). {@code resize}: the filter of the
     * picture's resize to the video size. {@code imageEncoder} is null for models without an image encoder.
     * {@code layout} (concat): the mask channels before the image latents (Wan) or after them (HunyuanVideo
     * 1.5); {@code encode}: the VAE encodes the video {@code [picture, zeros..., (last)]} (Wan) or the first
     * picture alone, whose latents fill latent frame 0 and zeros the rest (HunyuanVideo 1.5).
     */
    public record Conditioning(Mode mode, Need image, Need lastImage, String resize, int maskChannels,
                               VaeEncoder vaeEncoder, ImageEncoder imageEncoder, Layout layout, Encode encode) {
        public enum Mode { CONCAT, EXPAND_TIMESTEPS }

        /** The order of a concat model's condition channels. */
        public enum Layout { MASK_LATENTS, LATENTS_MASK }

        /** What a concat model's VAE encoder is given. */
        public enum Encode { VIDEO, FIRST_PICTURE }

        /** Whether a picture must, may or cannot be given. */
        public enum Need { REQUIRED, OPTIONAL, UNSUPPORTED }
    }

    /**
     * The VAE encoder. {@link VaeKind#CAUSAL} (Wan): two step graphs (first frame, then {@code framesNext} frames
     * at a time) with their caches. {@link VaeKind#THREE_D} (the demo model): one graph {@code file} that takes
     * the whole clip {@code [B, 3, F, H, W]} at once; {@code nextFile} is null, the cache lists empty and the
     * frame counts 0.
     */
    public record VaeEncoder(VaeKind kind, String file, String nextFile, String input, String output,
                             List<String> cacheInputs, List<String> cacheOutputs, int framesFirst, int framesNext) {
    }

    /**
     * The vision tower (CLIP for Wan, SigLIP for HunyuanVideo 1.5) and its preprocessing (shortest edge resized
     * with {@code resample}, centre crop, normalised with {@code mean}/{@code std}; {@code shortestEdge} 0: resized
     * straight to the crop size, as SiglipImageProcessor does; {@code resized}: the tower sees the picture already
     * brought to the video's size (HunyuanVideo 1.5) rather than the picture as given (Wan)); {@code images} pictures' embeddings ({@code tokens} each) go to
     * the denoiser input {@code denoiserInput} side by side.
     */
    public record ImageEncoder(String file, String input, String output, String denoiserInput, int images,
                               int tokens, int shortestEdge, int cropWidth, int cropHeight, String resample,
                               float[] mean, float[] std, boolean resized) {
    }
}
