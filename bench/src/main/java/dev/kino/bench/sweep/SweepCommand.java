package dev.kino.bench.sweep;

import dev.kino.bench.io.Console;
import dev.kino.commandline.DeviceOption;
import dev.kino.sweep.Sweep;
import dev.kino.sweep.SweepOptions;
import dev.kino.sweep.SweepResults;
import dev.kino.sweep.SweepSpec;
import dev.kino.sweep.report.SweepReport;
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
import java.util.concurrent.Callable;

/**
 * {@code kino bench sweep}: how many steps of which scheduler a model needs, and what each costs; with
 * {@code --precision}, in which precision modes too. The grid, precision and {@code --experts} options are
 * {@link SweepOptions}, shared with the Spark sweep.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run every scheduler × step count × guidance × seed on the same prompts, compare each video with "
                + "a many-step reference of the same prompt and seed, and write results.csv, results.json, charts and "
                + "report.html into --out.",
                "Re-running with the same --out skips the runs that finished.",
                "--precision fp32,int8,w4 adds a precision axis: each mode's cells run on that mode's package and are also "
                        + "compared with the fp32 cell of the same settings.",
                "--experts one loads a mixture's experts one at a time (each run then reads them again, which its times "
                        + "include; the folder records the choice). The Spark sweep (SweepJob) takes the same options."})
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
        SweepSpec plain = grid.spec(device.text(), threads, repeats);
        SweepSpec spec = plain.withPrecisions(grid.precision().resolve(plain.modelDir()));
        PrintStream out = parent.out();
        PrintStream err = parent.err();
        SweepResults results = Sweep.run(spec, this.out, quiet ? null : err);
        SweepReport.Written written = SweepReport.write(results, commandLine());
        SweepReport.printSummary(out, results, written);
        return 0;
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
