package dev.kino.cli;

import dev.kino.commandline.DeviceOption;
import dev.kino.commandline.VideoSizeOptions;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.lora.Lora;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.pipeline.StageTimings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.NativeLogs;
import dev.kino.video.Mp4Writer;
import dev.kino.video.PngFrameWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code kino generate "PROMPT"}: one video from one prompt. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate a video from a text prompt and write it as an H.264 MP4.")
final class GenerateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "PROMPT", description = "What the video shows.")
    String prompt;

    @Option(names = "--negative", paramLabel = "TEXT", description = "What the video should not show (default: the model's).")
    String negative;

    @Option(names = {"-m", "--model"}, paramLabel = "DIR", description = "Model package folder (holds kino.json; default: the built-in demo model).")
    Path model;

    @Option(names = "--steps", description = "Denoising steps (default: the model's).")
    Integer steps;

    @Option(names = "--scheduler", paramLabel = "NAME", description = "Sampler, e.g. ddim, euler, dpmpp-2m-karras, flow-euler (see 'kino schedulers'; default: the model's).")
    String scheduler;

    @Option(names = "--guidance", description = "Classifier-free guidance scale; 1 or less turns it off (default: the model's).")
    Double guidance;

    @Option(names = "--seed", description = "Seed of the initial noise, as torch.Generator().manual_seed (default: 0).")
    Long seed;

    @Option(names = "--noise-kernel", paramLabel = "avx2|scalar",
            description = "Which PyTorch CPU kernel the seed reproduces: avx2 (x86-64 PCs and servers, the default) or scalar (ARM, old x86).")
    String noiseKernel;

    @Option(names = "--image", paramLabel = "PICTURE",
            description = "Image-to-video models: the first frame (PNG, JPEG, WebP, BMP or GIF; EXIF orientation applied).")
    Path image;

    @Option(names = "--last-image", paramLabel = "PICTURE",
            description = "First/last-frame models (Wan FLF2V): the last frame.")
    Path lastImage;

    @Option(names = "--continue-from", paramLabel = "VIDEO",
            description = "Image-to-video models: start on the last frame of this MP4 (the previous shot), so shots chain.")
    Path continueFrom;

    @Option(names = "--fit", paramLabel = "crop|pad|stretch",
            description = "A picture whose aspect ratio differs from the video's: crop (default: fill the frame, cut "
                    + "the overflow), pad (fit inside, fill the bands from the picture's edges), stretch (distort).")
    String fit;

    @Option(names = "--lora", paramLabel = "FILE[:STRENGTH[:high|low]]",
            description = "Merge a LoRA (.safetensors, diffusers or ComfyUI layout) into the denoiser at STRENGTH "
                    + "(default 1; negative subtracts it); repeat to stack several. high/low: only that expert of a "
                    + "two-expert model (Wan 2.2 A14B).")
    List<String> loras = new ArrayList<>();

    @Mixin
    VideoSizeOptions size;

    @Option(names = "--fps", description = "Frames per second of the MP4 (default: the model's).")
    Integer fps;

    @Mixin
    DeviceOption device;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "MP4 to write (default: named after the prompt, in the current folder).")
    Path output;

    @Option(names = "--frames-dir", paramLabel = "DIR", description = "Also write every frame as a PNG into this folder.")
    Path framesDir;

    @Option(names = "--latents-out", paramLabel = "FILE",
            description = "Also write the final latents (before the VAE) as a NumPy .npy file, [1, C, F, h, w] float32.")
    Path latentsOut;

    @Option(names = "--upscale", paramLabel = "auto|N", defaultValue = "auto",
            description = "Enlarge the MP4 N times with a Lanczos filter for viewing; auto enlarges small videos to at least 256 px (default: ${DEFAULT-VALUE}).")
    String upscale;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Option(names = "--verbose", description = "Also show the native libraries' own logs (ONNX Runtime, FFmpeg), for debugging.")
    boolean verbose;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Device dev = device.device();
        NativeLogs.setVerbose(verbose);
        Report.upscaleFactor(upscale, 16, 16); // reject a bad --upscale before any work
        Path target = OutputTarget.check(output != null ? output : OutputTarget.defaultName(prompt));
        if (framesDir != null) {
            OutputTarget.checkFolder(framesDir, true);
        }
        if (latentsOut != null) {
            OutputTarget.checkFolder(latentsOut.toAbsolutePath().normalize().getParent(), false);
        }
        Path modelDir = ModelLocator.resolve(model);
        Mp4Writer.preloadInBackground();
        GenerationRequest request = size.applyTo(GenerationRequest.builder(prompt)).negativePrompt(negative).steps(steps)
                .guidance(guidance).seed(seed).fps(fps)
                .scheduler(scheduler).noiseKernel(NoiseKernels.parse(noiseKernel))
                .image(image).lastImage(lastImage).continueFrom(continueFrom).fit(Fits.parse(fit))
                .loras(loras.stream().map(Lora::parse).toList()).build();

        long loadStart = System.nanoTime();
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(modelDir, dev)) {
            GenerationPlan plan = kino.plan(request);
            ResolvedSettings settings = plan.settings();
            int scale = Report.upscaleFactor(upscale, settings.width(), settings.height());
            Duration load = Duration.ofNanos(System.nanoTime() - loadStart);
            err.println("Model " + kino.modelPackage().manifest().name() + " on " + kino.provider().label()
                    + " (" + kino.provider().reason() + "), loaded in " + Report.format(load));
            plan.loras().forEach(l -> err.println("LoRA " + l.file().getFileName() + " at strength " + l.strength()
                    + (l.expert() == null ? "" : l.expert() == 0 ? " (high-noise expert)" : " (low-noise expert)")));
            err.println(settings.width() + "x" + settings.height() + ", " + settings.frames() + " frames, "
                    + settings.steps() + " steps of " + settings.scheduler() + ", guidance " + settings.guidance()
                    + ", seed " + settings.seed());
            GenerationResult result;
            try (ProgressDisplay progress = new ProgressDisplay(err, quiet)) {
                result = kino.generate(plan, progress);
            }
            result.warnings().forEach(w -> err.println("warning: " + w));
            long encodeStart = System.nanoTime();
            // A name Kino chose never replaces an earlier video; a name the user gave does.
            Mp4Writer.Written written = output != null
                    ? Mp4Writer.write(result.frames(), settings.fps(), target, scale)
                    : Mp4Writer.writeNew(result.frames(), settings.fps(), target, scale);
            result = result.withStage(StageTimings.ENCODE_MP4, Duration.ofNanos(System.nanoTime() - encodeStart));
            PngFrameWriter.Written frames = framesDir == null ? null : PngFrameWriter.write(result.frames(), framesDir);
            if (latentsOut != null) {
                NpyFile.write(result.latents(), latentsOut);
            }
            Report.print(out, written, result, scale, framesDir, frames);
            Path real = Mp4Writer.writeThrough(target);
            if (!real.equals(target)) {
                err.println("note: " + target + " is a symbolic link; the video went to the file it points to, " + real);
            } else if (!written.path().equals(target)) {
                err.println("note: " + target.getFileName() + " already exists, so this video is "
                        + written.path().getFileName());
            }
        }
        return 0;
    }
}
