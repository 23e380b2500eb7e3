package dev.kino.bench.sweep;

import dev.kino.bench.io.Console;
import dev.kino.bench.report.SweepReport;
import dev.kino.bench.report.SweepSummary;
import dev.kino.commandline.DeviceOption;
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

    @Mixin
    SweepOptions grid;

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
    Console parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SweepSpec spec = grid.spec(device.text(), threads, repeats);
        PrintStream out = parent.out();
        PrintStream err = parent.err();
        SweepResults results = Sweep.run(spec, this.out, quiet ? null : err);
        SweepReport.Written written = SweepReport.write(results, commandLine());
        printSummary(out, results, written);
        return 0;
    }

    /** The summary both sweeps print: runs, the figures of every cell, the Pareto front, the files written. */
    public static void printSummary(PrintStream out, SweepResults r, SweepReport.Written w) {
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
