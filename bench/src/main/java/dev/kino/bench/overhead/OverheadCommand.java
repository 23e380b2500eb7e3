package dev.kino.bench.overhead;

import dev.kino.KinoException;
import dev.kino.bench.io.Console;
import dev.kino.commandline.DeviceOption;
import dev.kino.commandline.VideoSizeOptions;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.sweep.io.BenchJson;
import dev.kino.sweep.measure.MachineInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kino bench overhead}: how much of a generation's time is Kino's own code rather than ONNX Runtime. */
@Command(name = "overhead", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate one video several times and report, per stage, the share of wall time spent outside "
                + "ONNX Runtime's run calls: the engine's own overhead.")
public final class OverheadCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "Model package folder (holds kino.json).")
    Path model;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "a red circle moving right",
            description = "What to generate (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--steps", description = "Denoising steps (default: the model's).")
    Integer steps;

    @Option(names = "--scheduler", paramLabel = "NAME", description = "Scheduler (default: the model's own).")
    String scheduler;

    @Option(names = "--guidance", description = "Guidance scale (default: the model's).")
    Double guidance;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    VideoSizeOptions size;

    @Mixin
    DeviceOption device;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime's CPU threads; 0 leaves its default (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "10",
            description = "Measured generations; each stage's mean is reported (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3",
            description = "Untimed generations first, for the JIT and ONNX Runtime's first-run allocations (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    @ParentCommand
    Console parent;

    @Override
    public Integer call() {
        if (runs < 1 || runs > 1000) {
            throw new KinoException("--runs must be between 1 and 1000, but " + runs + " was given.");
        }
        if (warmup < 0 || warmup > 100) {
            throw new KinoException("--warmup must be between 0 and 100, but " + warmup + " was given.");
        }
        Device dev = device.device();
        ModelPackage pkg = ModelPackage.open(model);
        GenerationRequest request = size.applyTo(GenerationRequest.builder(prompt)).steps(steps).scheduler(scheduler)
                .guidance(guidance).seed(seed).build();
        try (TextToVideoPipeline pipeline = TextToVideoPipeline.load(pkg, OnnxRuntime.create(dev, threads))) {
            pipeline.plan(request); // a bad request fails before any run
            Overhead.Result result = Overhead.measure(pipeline, request, runs, warmup);
            MachineInfo machine = MachineInfo.collect(pipeline.provider());
            print(parent.out(), pkg.manifest().name(), result, machine);
            if (json != null) {
                BenchJson.write(json.toAbsolutePath(), toJson(pkg.manifest().name(), result, machine));
                parent.out().println("Wrote " + json.toAbsolutePath().normalize());
            }
        }
        return 0;
    }

    static void print(PrintStream out, String modelName, Overhead.Result r, MachineInfo machine) {
        ResolvedSettings s = r.settings();
        out.println("Engine overhead: " + modelName + " on " + machine.executionProvider() + ", " + s.width() + "x"
                + s.height() + ", " + s.frames() + " frames, " + s.steps() + " steps of " + s.scheduler()
                + ", guidance " + s.guidance());
        out.println("Mean of " + r.runs() + " runs after " + r.warmups() + " untimed warm-up run(s):");
        out.printf(Locale.ROOT, "  %-12s %11s %17s %15s %14s%n", "stage", "wall", "in ONNX Runtime", "outside (Kino)",
                "outside share");
        for (Overhead.Stage st : r.stages()) {
            row(out, st);
        }
        row(out, r.generation());
        out.printf(Locale.ROOT, "  %-12s %11s %17s %15s %14s%n", "encode MP4", ms(r.encodeMp4().wallMs()), "-",
                ms(r.encodeMp4().outsideMs()), "(FFmpeg)");
        out.printf(Locale.ROOT, "Kino's own code took %.1f%% of the mean generation's wall time (single runs: median %.1f%%,"
                + " range %.1f%%-%.1f%%).%n", 100 * r.generation().outsideShare(), 100 * r.medianShare(),
                100 * r.minShare(), 100 * r.maxShare());
        out.println("Machine: " + (machine.cpu() == null ? machine.arch() : machine.cpu()) + ", " + machine.logicalCores()
                + " logical cores; Kino " + machine.kino() + ", ONNX Runtime " + machine.onnxRuntime() + ", Java " + machine.java());
    }

    private static void row(PrintStream out, Overhead.Stage st) {
        out.printf(Locale.ROOT, "  %-12s %11s %17s %15s %14s%n", st.name(), ms(st.wallMs()), ms(st.onnxMs()),
                ms(st.outsideMs()), Double.isNaN(st.outsideShare()) ? "-"
                        : String.format(Locale.ROOT, "%.1f %%", 100 * st.outsideShare()));
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.2f ms", v);
    }

    private static Map<String, Object> toJson(String modelName, Overhead.Result r, MachineInfo machine) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", modelName);
        m.put("settings", r.settings());
        m.put("runs", r.runs());
        m.put("warmup_runs", r.warmups());
        m.put("stages", r.stages().stream().map(OverheadCommand::stageJson).toList());
        m.put("generation", stageJson(r.generation()));
        m.put("encode_mp4", stageJson(r.encodeMp4()));
        m.put("outside_share_single_runs", Map.of("min", r.minShare(), "median", r.medianShare(), "max", r.maxShare()));
        m.put("machine", machine);
        return m;
    }

    private static Map<String, Object> stageJson(Overhead.Stage st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", st.name());
        m.put("wall_ms", st.wallMs());
        m.put("onnx_ms", st.onnxMs());
        m.put("onnx_runs", st.onnxRuns());
        m.put("outside_onnx_ms", st.outsideMs());
        m.put("outside_share", Double.isNaN(st.outsideShare()) ? null : st.outsideShare());
        return m;
    }
}
