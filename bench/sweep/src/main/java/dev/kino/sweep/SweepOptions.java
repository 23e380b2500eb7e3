package dev.kino.sweep;

import dev.kino.KinoException;
import dev.kino.commandline.ExpertsOption;
import dev.kino.commandline.VideoSizeOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The grid of a sweep as command-line options ({@code @Mixin} it): the same for {@code kino bench sweep} and
 * the Spark sweep, so a sweep moves from a laptop to a cluster with the same arguments: the grid's axes
 * (precision included), the video's size and how a mixture's experts are loaded ({@code --experts}).
 */
public final class SweepOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "Model package folder (holds kino.json).")
    Path model;

    @Option(names = "--prompts", paramLabel = "FILE", description = "Text file with one prompt per line (# starts a comment).")
    Path promptsFile;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt; repeat for more (instead of, or besides, --prompts).")
    List<String> prompt = new ArrayList<>();

    @Option(names = "--schedulers", split = ",", paramLabel = "a,b,c", description = "Schedulers to compare (see 'kino schedulers'; default: the model's own).")
    List<String> schedulers = new ArrayList<>();

    @Option(names = "--steps", split = ",", required = true, paramLabel = "4,8,16", description = "Step counts to run.")
    List<Integer> steps = new ArrayList<>();

    @Option(names = "--guidance", split = ",", paramLabel = "1,3,5", description = "Guidance scales (default: the model's).")
    List<Double> guidance = new ArrayList<>();

    @Option(names = "--seeds", split = ",", paramLabel = "0,1", description = "Seeds of the initial noise (default: 0).")
    List<Long> seeds = new ArrayList<>();

    @Option(names = "--reference-steps", paramLabel = "N", defaultValue = "" + SweepSpec.DEFAULT_REFERENCE_STEPS,
            description = "Steps of the reference each run is compared with (default: ${DEFAULT-VALUE}).")
    int referenceSteps;

    @Option(names = "--reference-scheduler", paramLabel = "NAME", description = "Scheduler of the reference (default: the model's own).")
    String referenceScheduler;

    @Option(names = "--lora", paramLabel = "FILE", description = "A LoRA (.safetensors) applied in every run but the reference; repeat for several, applied together.")
    List<Path> lora = new ArrayList<>();

    @Option(names = "--lora-strength", split = ",", paramLabel = "0,0.5,1", description = "Strengths to sweep the LoRAs over (0: the plain model; default: 1).")
    List<Double> loraStrength = new ArrayList<>();

    @Option(names = "--precision", split = ",", paramLabel = "fp32,int8,w4",
            description = "Precision modes to sweep (int8, w8, w4, fp16, bf16; fp32, the --model package, always runs). "
                    + "A mode's package is the folder beside --model named MODEL-MODE (as models/quantize writes it), "
                    + "or the one given with --precision-package.")
    List<String> precision = new ArrayList<>();

    @Option(names = "--precision-package", paramLabel = "MODE=DIR",
            description = "The package of a precision mode, e.g. int8=models/wan-1.3b-int8; repeat per mode.")
    Map<String, Path> precisionPackages = new LinkedHashMap<>();

    @Mixin
    VideoSizeOptions size;

    @Mixin
    ExpertsOption experts;

    /** The precision axis as asked for; {@link PrecisionAxis.Request#resolve} finds its packages. */
    public PrecisionAxis.Request precision() {
        return new PrecisionAxis.Request(precision, precisionPackages);
    }

    /**
     * The sweep these options describe, run on {@code device} with {@code threads} ONNX Runtime threads, without its
     * precision axis ({@link #precision()}: its packages are found where the model is).
     */
    public SweepSpec spec(String device, int threads, int repeats) {
        List<String> prompts = new ArrayList<>(prompt);
        if (promptsFile != null) {
            prompts.addAll(PromptFile.read(promptsFile));
        }
        if (prompts.isEmpty()) {
            throw new KinoException("No prompts given; pass --prompts FILE (one prompt per line) or --prompt TEXT.");
        }
        return new SweepSpec(model, device, threads, prompts, schedulers, steps, guidance, seeds, referenceSteps,
                referenceScheduler, size.frames(), size.width(), size.height(), repeats, lora, loraStrength, Map.of(),
                experts.residency());
    }
}
