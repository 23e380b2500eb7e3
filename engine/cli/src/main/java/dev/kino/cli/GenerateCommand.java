package dev.kino.cli;

import dev.kino.commandline.DeviceOption;
import dev.kino.commandline.ExpertsOption;
import dev.kino.commandline.RequestOptions;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.ExpertResidency;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.pipeline.StageTimings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.request.RequestSchema;
import dev.kino.runtime.Device;
import dev.kino.runtime.NativeLogs;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.video.Mp4Writer;
import dev.kino.video.PngFrameWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code kino generate "PROMPT"}: one video from one prompt. Its request options ({@code --steps}, ...) are
 * made from the request schema ({@link RequestOptions}) when the command line is built ({@link #withRequestOptions}).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate a video from a text prompt and write it as an H.264 MP4.")
final class GenerateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "PROMPT", description = "What the video shows.")
    String prompt;

    @Option(names = {"-m", "--model"}, paramLabel = "DIR", description = "Model package folder (holds kino.json; default: the built-in demo model).")
    Path model;

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

    @Mixin
    ExpertsOption experts;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Option(names = "--verbose", description = "Also show the native libraries' own logs (ONNX Runtime, FFmpeg), for debugging.")
    boolean verbose;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The command with its request options. */
    static CommandSpec withRequestOptions(CommandSpec spec) {
        RequestOptions.addTo(spec);
        return spec;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Device dev = device.device();
        NativeLogs.setVerbose(verbose);
        Report.upscaleFactor(upscale, 16, 16); // reject a bad --upscale before any work
        GenerationRequest request = RequestOptions.read(spec, prompt); // a bad value before any file is touched
        ExpertResidency residency = experts.residency();
        Path target = OutputTarget.check(output != null ? output : OutputTarget.defaultName(prompt));
        if (framesDir != null) {
            OutputTarget.checkFolder(framesDir, true);
        }
        if (latentsOut != null) {
            OutputTarget.checkFolder(latentsOut.toAbsolutePath().normalize().getParent(), false);
        }
        Path modelDir = ModelLocator.resolve(model);
        Mp4Writer.preloadInBackground();

        long loadStart = System.nanoTime();
        ModelPackage pkg = ModelPackage.open(modelDir);
        OnnxRuntime runtime = OnnxRuntime.create(dev);
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(pkg, runtime, residency)) {
            GenerationPlan plan = kino.plan(request);
            ResolvedSettings settings = plan.settings();
            int scale = Report.upscaleFactor(upscale, settings.width(), settings.height());
            Duration load = Duration.ofNanos(System.nanoTime() - loadStart);
            err.println("Model " + kino.modelPackage().manifest().name() + " on " + kino.provider().label()
                    + " (" + kino.provider().reason() + "), loaded in " + Report.format(load));
            if (kino.expertsOneAtATime()) {
                err.println("Denoiser experts loaded one at a time" + (residency == ExpertResidency.AUTO
                        ? " (both do not fit this device's free memory; --experts both keeps them)" : ""));
            }
            java.util.List<Path> loras = plan.request().get(RequestSchema.LORA);
            if (loras != null) {
                err.println("LoRAs " + String.join(", ", loras.stream().map(f -> f.getFileName().toString()).toList())
                        + " at strengths " + plan.request().get(RequestSchema.LORA_STRENGTH));
            }
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
