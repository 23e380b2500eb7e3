package dev.kino.spark;

import dev.kino.KinoException;
import dev.kino.commandline.KinoPrograms;
import dev.kino.sweep.Cell;
import dev.kino.sweep.CellResult;
import dev.kino.sweep.SweepFolder;
import dev.kino.sweep.SweepGrid;
import dev.kino.sweep.SweepOptions;
import dev.kino.sweep.SweepResults;
import dev.kino.sweep.SweepSpec;
import dev.kino.sweep.report.SweepReport;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code kino bench sweep} on a Spark cluster: the same grid options, every reference and every cell a task,
 * references first (each cell is compared with its reference's stored output), and the same folder, CSV, JSON,
 * charts and HTML report as the local sweep, written by the bench's own classes.
 * <pre>
 * spark-submit --class dev.kino.spark.SweepJob kino-spark.jar --model /models/wan --prompts prompts.txt \
 *     --schedulers flow-unipc,flow-euler --steps 10,20,30 --out /shared/sweeps/wan
 * </pre>
 * The folder must be one path that the driver and every executor see (a shared mount on a cluster). A re-run
 * with the same folder resumes: finished runs are kept, as in the local sweep. The driver never loads the
 * model: one task resolves the grid on an executor first.
 */
@Command(name = "SweepJob", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run kino bench sweep's grid as Spark tasks and write its report into --out (a shared folder).")
public final class SweepJob implements Callable<Integer> {

    @Mixin
    SweepOptions grid;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "1",
            description = "Time each run N times and keep the median run (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Sweep folder that the driver and every executor see; a re-run with the same folder resumes.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().appName("kino sweep").getOrCreate();
        int code;
        try {
            code = KinoPrograms.execute(new CommandLine(new SweepJob()), "kino-spark SweepJob", args, System.out,
                    System.err);
        } finally {
            spark.stop();
        }
        System.exit(code);
    }

    @Override
    public Integer call() {
        SweepResults results = run(SparkSession.active());
        SweepReport.Written written = SweepReport.write(results, commandLine());
        SweepReport.printSummary(new PrintStream(System.out, true), results, written);
        return 0;
    }

    /** Runs the grid's missing references, then its missing cells, and gathers every finished run. */
    SweepResults run(SparkSession spark) {
        // The device is each task's own; ONNX Runtime threads are each task's CPUs (recorded per run).
        SweepSpec sweep = grid.spec("auto", 0, repeats);
        Path root = SweepFolder.checkUsable(out);
        SweepTasks tasks = new SweepTasks(SweepTasks.json(sweep), root.toString());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());

        jsc.setJobDescription("kino sweep: resolve the grid");
        SweepTasks.Plan plan = SweepTasks.parse(jsc.parallelize(List.of(0), 1).map(i -> tasks.plan()).collect().get(0),
                SweepTasks.Plan.class);
        if (plan.error() != null) {
            throw new KinoException(plan.error());
        }
        SweepFolder folder = SweepFolder.open(root, plan.identity());
        String identity = SweepTasks.json(plan.identity());

        List<String> references = new ArrayList<>();
        List<String> cells = new ArrayList<>();
        int reused = 0;
        for (SweepGrid.Group g : plan.groups()) {
            List<Cell> pending = g.cells().stream()
                    .filter(c -> folder.finishedCell(c, g.reference().id()).isEmpty()).toList();
            reused += g.cells().size() - pending.size();
            if (folder.finishedReference(g.reference()).isPresent()) {
                reused++;
            } else if (!pending.isEmpty()) {
                references.add(SweepTasks.json(g.reference()));
            }
            cells.addAll(SweepTasks.pairs(List.of(new SweepGrid.Group(g.reference(), pending))));
        }
        if (!references.isEmpty()) {
            jsc.setJobDescription("kino sweep: " + references.size() + " references");
            jsc.parallelize(references, references.size()).map(r -> tasks.reference(r, identity)).collect();
        }
        if (!cells.isEmpty()) {
            jsc.setJobDescription("kino sweep: " + cells.size() + " cells");
            jsc.parallelize(cells, cells.size()).map(c -> tasks.cell(c, identity)).collect();
        }

        List<CellResult> finishedCells = new ArrayList<>();
        List<CellResult> finishedReferences = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (SweepGrid.Group g : plan.groups()) {
            folder.finishedReference(g.reference()).ifPresent(finishedReferences::add);
            for (Cell c : g.cells()) {
                finishedCells.add(folder.finishedCell(c, g.reference().id()).orElseThrow(() -> new IllegalStateException(
                        "the cell " + c.id() + " ran but left no result in " + folder.root())));
                ids.add(c.id());
            }
        }
        int outside = (int) folder.allFinishedCells().stream().filter(c -> !ids.contains(c.id())).count();
        return new SweepResults(folder.root(), plan.settings(), plan.model(), plan.machine(), List.copyOf(finishedCells),
                List.copyOf(finishedReferences), references.size() + cells.size(), reused, outside, plan.warnings());
    }

    /** The command line, for the report's "reproduce" line. */
    private String commandLine() {
        List<String> parts = new ArrayList<>(List.of("spark-submit", "--class", SweepJob.class.getName(), "kino-spark.jar"));
        for (String a : spec.commandLine().getParseResult().originalArgs()) {
            parts.add(a.matches("[A-Za-z0-9_./:=,+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return String.join(" ", parts);
    }
}
