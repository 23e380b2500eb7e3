package dev.kino.bench.sweep;

import dev.kino.KinoException;
import dev.kino.bench.BenchCli;
import dev.kino.bench.report.SweepReport;
import dev.kino.bench.report.SweepSummary;
import dev.kino.commandline.DeviceOption;
import dev.kino.commandline.VideoSizeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code kino bench sweep}: how many steps of which scheduler a model needs, and what each costs. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run every scheduler × step count × guidance × seed on the same prompts, compare each video with "
                + "a many-step reference of the same prompt and seed, and write results.csv, results.json, charts and "
                + "report.html into --out.",
                "Re-running with the same --out skips the runs that finished."})
public final class SweepCommand implements Callable<Integer> {

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

    @Mixin
    VideoSizeOptions size;

    @Mixin
    DeviceOption device;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime's CPU threads; 0 leaves its default (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "1",
            description = "Time each run N times and keep the median run: steadier timings for N times the work (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Folder for the results; a re-run with the same folder resumes.")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @ParentCommand
    BenchCli parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<String> prompts = new ArrayList<>(prompt);
        if (promptsFile != null) {
            prompts.addAll(PromptFile.read(promptsFile));
        }
        if (prompts.isEmpty()) {
            throw new KinoException("No prompts given; pass --prompts FILE (one prompt per line) or --prompt TEXT.");
        }
        SweepSpec spec = new SweepSpec(model, device.text(), threads, prompts, schedulers, steps, guidance, seeds,
                referenceSteps, referenceScheduler, size.frames(), size.width(), size.height(), repeats);
        PrintStream out = parent.out();
        PrintStream err = parent.err();
        SweepResults results = Sweep.run(spec, this.out, quiet ? null : err);
        SweepReport.Written written = SweepReport.write(results, commandLine());
        printSummary(out, results, written);
        return 0;
    }

    private static void printSummary(PrintStream out, SweepResults r, SweepReport.Written w) {
        out.println("Ran " + r.ran() + " runs, reused " + r.reused() + " finished earlier; " + r.cells().size()
                + " cells against " + r.references().size() + " reference(s).");
        if (r.outsideGrid() > 0) {
            out.println(r.outsideGrid() + " finished cells in the folder are not in this grid and are left out of the report.");
        }
        List<SweepSummary.Point> points = SweepSummary.of(r.cells());
        List<SweepSummary.Point> front = SweepSummary.paretoFront(points);
        out.printf(Locale.ROOT, "  %-18s %8s %5s %9s %7s %11s %9s%n", "scheduler", "guidance", "steps", "PSNR dB",
                "SSIM", "generation", "ms/step");
        for (SweepSummary.Point p : points) {
            out.printf(Locale.ROOT, "  %-18s %8s %5d %9s %7.4f %9.0f ms %9.1f%s%n", p.scheduler(),
                    Cell.number(p.guidance()), p.steps(), p.identicalToReference() ? "inf" : String.format(Locale.ROOT, "%.2f", p.psnrDb()),
                    p.ssim(), p.generationMs(), p.stepMs(), front.contains(p) ? "  *" : "");
        }
        out.println("  (* Pareto front: nothing else is both faster and closer to the reference)");
        out.println("Wrote " + w.html());
        out.println("      " + w.csv());
        out.println("      " + w.json());
        out.println("      " + w.charts().size() + " charts in " + w.html().resolveSibling("charts"));
    }

    /** The command line as typed, quoted where needed, for the report's "reproduce" line. */
    private String commandLine() {
        List<String> parts = new ArrayList<>(List.of("kino", "bench"));
        for (String a : spec.commandLine().getParseResult().originalArgs()) {
            parts.add(a.matches("[A-Za-z0-9_./:=,+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return String.join(" ", parts);
    }
}
