package dev.kino.request;

import dev.kino.image.Fit;
import dev.kino.noise.TorchGenerator;
import dev.kino.request.Setting.Kind;
import dev.kino.schedule.Schedulers;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Every setting of a generation request, declared once. The command line ({@code kino generate}), the HTTP API
 * (fields, checks and {@code openapi.json}), shot lists (JSON, YAML, CSV, Parquet) and Spark rows are derived from
 * this list, and {@code GenerationRequest} stores values by setting. Limits here are what any surface accepts;
 * what a particular model can make (its frame rule, its size multiple, memory) is the planner's to check.
 *
 * <p>To add a setting: declare it here, add it to {@link #ALL}, use it in the pipeline
 * ({@code request.get(RequestSchema.X)}) and document it (docs/request-schema.md says how).
 */
public final class RequestSchema {
    private static final Set<Surface> EVERYWHERE = EnumSet.allOf(Surface.class);
    private static final Set<Surface> PICTURES = EVERYWHERE; // Spark reads them beside the shot list

    /** Longest prompt or negative prompt, in characters. */
    public static final int MAX_PROMPT = 2000;

    public static final Setting<String> PROMPT = Setting.of("prompt", Kind.TEXT, String.class, 1, MAX_PROMPT,
            List.of(), "", "TEXT", "What the video shows.", EVERYWHERE);
    public static final Setting<String> NEGATIVE = Setting.of("negative", Kind.TEXT, String.class, 0, MAX_PROMPT,
            List.of(), null, "TEXT", "What the video should not show.", EVERYWHERE);
    public static final Setting<Integer> STEPS = Setting.of("steps", Kind.INTEGER, Integer.class, 1, 1000,
            List.of(), null, "N", "Denoising steps.", EVERYWHERE);
    public static final Setting<Double> GUIDANCE = Setting.of("guidance", Kind.NUMBER, Double.class, 0, 100,
            List.of(), null, "SCALE", "Classifier-free guidance scale; 1 or less turns it off.", EVERYWHERE);
    public static final Setting<Long> SEED = Setting.of("seed", Kind.INTEGER, Long.class, 0, Long.MAX_VALUE,
            List.of(), "0", "N", "Seed of the initial noise, as torch.Generator().manual_seed.",
            EnumSet.of(Surface.CLI, Surface.HTTP, Surface.SPARK)); // a shot list gives seeds per take (same rule)
    public static final Setting<Integer> FRAMES = Setting.of("frames", Kind.INTEGER, Integer.class, 1, 10_000,
            List.of(), null, "N", "Number of frames; must fit the model's frame rule.", EVERYWHERE);
    public static final Setting<Integer> WIDTH = Setting.of("width", Kind.INTEGER, Integer.class, 1, 8192,
            List.of(), null, "PIXELS", "Width in pixels; a multiple of the model's size multiple.", EVERYWHERE);
    public static final Setting<Integer> HEIGHT = Setting.of("height", Kind.INTEGER, Integer.class, 1, 8192,
            List.of(), null, "PIXELS", "Height in pixels; a multiple of the model's size multiple.", EVERYWHERE);
    public static final Setting<Integer> FPS = Setting.of("fps", Kind.INTEGER, Integer.class, 1, 240,
            List.of(), null, "N", "Frames per second of the MP4.", EVERYWHERE);
    public static final Setting<String> SCHEDULER = Setting.of("scheduler", Kind.CHOICE, String.class, 0, 0,
            Schedulers.catalog().stream().map(Schedulers.Info::name).toList(), null, "NAME",
            "Sampler, e.g. ddim, euler, dpmpp-2m-karras, flow-euler (see 'kino schedulers').", EVERYWHERE);
    public static final Setting<TorchGenerator.Kernel> NOISE_KERNEL = Setting.of("noise_kernel", Kind.CHOICE,
            TorchGenerator.Kernel.class, 0, 0, Setting.names(TorchGenerator.Kernel.class), "avx2", "avx2|scalar",
            "Which PyTorch CPU kernel the seed reproduces: avx2 (x86-64 PCs and servers) or scalar (ARM, old x86).",
            EVERYWHERE);
    public static final Setting<Path> IMAGE = Setting.of("image", Kind.FILE, Path.class, 0, 0, List.of(), "none",
            "PICTURE", "Image-to-video models: the first frame (PNG, JPEG, WebP, BMP or GIF; EXIF orientation applied).",
            PICTURES);
    public static final Setting<Path> LAST_IMAGE = Setting.of("last_image", Kind.FILE, Path.class, 0, 0, List.of(),
            "none", "PICTURE", "First/last-frame models (Wan FLF2V): the last frame.", PICTURES);
    public static final Setting<Path> CONTINUE_FROM = Setting.of("continue_from", Kind.FILE, Path.class, 0, 0,
            List.of(), "none", "VIDEO",
            "Image-to-video models: start on the last frame of this MP4 (the previous shot), so shots chain.",
            EnumSet.of(Surface.CLI)); // shot lists name a shot instead, and the server its project's pick
    public static final Setting<Fit> FIT = Setting.of("fit", Kind.CHOICE, Fit.class, 0, 0, Setting.names(Fit.class),
            "crop", "crop|pad|stretch", "A picture whose aspect ratio differs from the video's: crop (fill the frame,"
                    + " cut the overflow), pad (fit inside, fill the bands from the picture's edges), stretch.",
            PICTURES);

    // Video-to-video, Wan VACE and LoRA (docs/video-to-video.md, docs/vace.md, docs/lora.md) reach every surface:
    // paths on the command line, relative to the shot list in shot lists and Spark, uploads (sha256:HEX) on a server.
    private static final Set<Surface> VIDEOS = EVERYWHERE;
    public static final Setting<Path> SOURCE_VIDEO = Setting.of("source_video", Kind.FILE, Path.class, 0, 0,
            List.of(), "none", "VIDEO", "Video-to-video: restyle this video (any file FFmpeg reads; its frame count is"
                    + " the output's) instead of starting from noise; needs a model with a VAE encoder.", VIDEOS);
    public static final Setting<Double> STRENGTH = Setting.of("strength", Kind.NUMBER, Double.class, 0, 1,
            List.of(), "0.8", "S", "Video-to-video: how much of the source is redrawn, above 0 to 1; lower keeps"
                    + " more of it.", VIDEOS);
    public static final Setting<List<Path>> REFERENCE_IMAGE = Setting.of("reference_image", Kind.FILES,
            listOfPaths(), 0, 16, List.of(), "none", "PICTURE", "Wan VACE models: a picture to keep in the video (a"
                    + " character, an object, a background); repeatable.", VIDEOS);
    public static final Setting<Path> CONTROL_VIDEO = Setting.of("control_video", Kind.FILE, Path.class, 0, 0,
            List.of(), "none", "VIDEO", "Wan VACE models: the control video (pose, depth, edges, a layout animation),"
                    + " or the source video --mask-video repaints; its frame count is the output's.", VIDEOS);
    public static final Setting<Path> MASK_VIDEO = Setting.of("mask_video", Kind.FILE, Path.class, 0, 0,
            List.of(), "none", "VIDEO", "Wan VACE models: white where the video is generated, black where the"
                    + " control video is kept (the control video's size).", VIDEOS);
    public static final Setting<Double> CONDITIONING_SCALE = Setting.of("conditioning_scale", Kind.NUMBER,
            Double.class, 0, 10, List.of(), "1", "S", "Wan VACE models: how strongly the control steers.", VIDEOS);

    public static final Setting<List<Path>> LORA = Setting.of("lora", Kind.FILES, listOfPaths(), 0, 8, List.of(),
            "none", "FILE[:STRENGTH[:high|low]]", "LoRA adapters (.safetensors, diffusers or ComfyUI layout) merged into"
                    + " the denoiser, stacked in order; STRENGTH (default 1, negative subtracts) may follow the file"
                    + " or come from lora_strength (docs/lora.md).", EVERYWHERE);
    public static final Setting<String> LORA_STRENGTH = Setting.of("lora_strength", Kind.TEXT, String.class, 0, 200,
            List.of(), "1 each", "S[:high|low],...", "The strength of each LoRA, in order (e.g. 0.8,-0.3); :high or"
                    + " :low applies it to one expert of Wan 2.2 A14B.", EVERYWHERE);

    /** Every setting, in the order help and documentation list them. */
    public static final List<Setting<?>> ALL = List.of(PROMPT, NEGATIVE, STEPS, SCHEDULER, GUIDANCE, SEED,
            NOISE_KERNEL, FRAMES, WIDTH, HEIGHT, FPS, IMAGE, LAST_IMAGE, CONTINUE_FROM, FIT, LORA, LORA_STRENGTH,
            SOURCE_VIDEO, STRENGTH, REFERENCE_IMAGE, CONTROL_VIDEO, MASK_VIDEO, CONDITIONING_SCALE);

    private RequestSchema() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Class<List<Path>> listOfPaths() {
        return (Class) List.class;
    }

    /** The settings a surface offers, in {@link #ALL}'s order. */
    public static List<Setting<?>> on(Surface surface) {
        return ALL.stream().filter(s -> s.on(surface)).toList();
    }

    /** The setting called {@code name}, or null. */
    public static Setting<?> named(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }
}
