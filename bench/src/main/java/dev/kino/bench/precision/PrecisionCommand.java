package dev.kino.bench.precision;

import dev.kino.KinoException;
import dev.kino.sweep.io.BenchJson;
import dev.kino.bench.io.Console;
import dev.kino.sweep.quality.QualityFigures;
import dev.kino.sweep.quality.VideoQuality;
import dev.kino.sweep.PromptFile;
import dev.kino.commandline.DeviceOption;
import dev.kino.model.Manifest;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.StageTimings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.OnnxRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kino bench precision}: the precision axis. Every prompt × seed runs on the fp32 package and then on
 * each variant of it in another precision mode (packages written by {@code models/quantize/quantize_package.py}),
 * with the same settings; each variant's video is compared with the fp32 one's (frame PSNR and SSIM, latent
 * distance) and its denoising step timed, so the loss a mode costs is measured through the whole pipeline
 * (text encoder, sampling loop, VAE, 8-bit frames), not per op.
 */
@Command(name = "precision", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the same prompts and seeds on an fp32 package and on its variants in other precision modes "
                + "(models/quantize), and print each variant's frame PSNR/SSIM and latent distance against fp32 and its "
                + "time per step."})
public final class PrecisionCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The fp32 package (the reference).")
    Path model;

    @Option(names = "--variant", required = true, paramLabel = "NAME=DIR",
            description = "A package of the same model in another mode, e.g. int8=models/demo-int8; repeat per mode.")
    Map<String, Path> variants = new LinkedHashMap<>();

    @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "One prompt per line.")
    Path prompts;

    @Option(names = "--seeds", split = ",", defaultValue = "1", paramLabel = "S,...", description = "Seeds (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--steps", paramLabel = "N", description = "Steps (default: the model's).")
    Integer steps;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "ONNX Runtime's CPU threads; 0 leaves its default.")
    int threads;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write every figure to FILE.")
    Path json;

    @Mixin
    DeviceOption device;

    @ParentCommand
    Console parent;

    /** One variant's figures for one prompt and seed. */
    record Row(String variant, String weights, String prompt, long seed, double psnrDb, double psnrMinDb,
               double ssim, double latentDistance, double msPerStep, double fp32MsPerStep) {
    }

    @Override
    public Integer call() throws IOException {
        List<String> texts = PromptFile.read(prompts);
        List<Row> rows = new ArrayList<>();
        OnnxRuntime runtime = OnnxRuntime.create(device.device(), threads);
        Map<String, GenerationResult> reference = new LinkedHashMap<>();
        try (TextToVideoPipeline fp32 = TextToVideoPipeline.load(ModelPackage.open(model), runtime)) {
            for (String p : texts) {
                for (long seed : seeds) {
                    reference.put(p + "\u0000" + seed, fp32.generate(request(p, seed), e -> true));
                }
            }
        }
        for (Map.Entry<String, Path> v : variants.entrySet()) {
            Manifest m = ModelPackage.open(v.getValue()).manifest();
            try (TextToVideoPipeline kino = TextToVideoPipeline.load(ModelPackage.open(v.getValue()), runtime)) {
                for (String p : texts) {
                    for (long seed : seeds) {
                        GenerationResult ref = reference.get(p + "\u0000" + seed);
                        GenerationResult got = kino.generate(request(p, seed), e -> true);
                        QualityFigures q = VideoQuality.compare(got.frames(), got.latents(), ref.frames(), ref.latents());
                        rows.add(new Row(v.getKey(), m.denoiser().weights().format(), p, seed, q.psnrMeanDb(),
                                q.psnrMinDb(), q.ssimMean(), q.latentRelativeL2(), msPerStep(got), msPerStep(ref)));
                    }
                }
            }
        }
        print(parent.out(), rows);
        if (json != null) {
            BenchJson.MAPPER.writeValue(json.toFile(), rows);
        }
        return 0;
    }

    private GenerationRequest request(String prompt, long seed) {
        GenerationRequest.Builder b = GenerationRequest.builder(prompt).seed(seed);
        if (steps != null) {
            if (steps < 1) {
                throw new KinoException("--steps must be at least 1.");
            }
            b.steps(steps);
        }
        return b.build();
    }

    private static double msPerStep(GenerationResult r) {
        return r.timings().wall().get(StageTimings.DENOISE).toNanos() / 1e6 / r.settings().steps();
    }

    /**
     * Per variant: the mean over prompts and seeds (a video identical to fp32's counts as 99 dB), the worst
     * frame's PSNR, and the step time against fp32's.
     */
    static void print(PrintStream out, List<Row> rows) {
        out.printf(Locale.ROOT, "%-10s %-18s %6s %10s %10s %8s %12s %10s %10s%n", "variant", "weights", "runs",
                "PSNR dB", "worst dB", "SSIM", "latent dist", "ms/step", "fp32 ms");
        Map<String, List<Row>> by = new LinkedHashMap<>();
        rows.forEach(r -> by.computeIfAbsent(r.variant(), k -> new ArrayList<>()).add(r));
        for (List<Row> rs : by.values()) {
            out.printf(Locale.ROOT, "%-10s %-18s %6d %10.2f %10.2f %8.4f %12.5f %10.1f %10.1f%n", rs.get(0).variant(),
                    rs.get(0).weights(), rs.size(), mean(rs, r -> Math.min(r.psnrDb(), 99.0)), rs.stream().mapToDouble(Row::psnrMinDb).min().orElse(0),
                    mean(rs, Row::ssim), mean(rs, Row::latentDistance), mean(rs, Row::msPerStep), mean(rs, Row::fp32MsPerStep));
        }
    }

    private static double mean(List<Row> rows, java.util.function.ToDoubleFunction<Row> f) {
        return rows.stream().mapToDouble(f).average().orElse(Double.NaN);
    }
}
