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

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code kino bench sweep} on a Spark cluster: the same grid options, every reference and every cell a task,
 * references first (each cell is compared with its reference's stored output), then the cells on the
 * {@code --model} package, then, with {@code --precision}, each other mode's cells on that mode's package (each
 * compared with the stored fp32 cell of the same settings, as the local sweep does), and the same folder, CSV, JSON,
 * charts and HTML report as the local sweep, written by the bench's own classes.
 * <pre>
 * spark-submit --class dev.kino.spark.SweepJob kino-spark.jar --model /models/wan --prompts prompts.txt \
 *     --schedulers flow-unipc,flow-euler --steps 10,20,30 --out /shared/sweeps/wan
 * </pre>
 * The folder must be one path that the driver and every executor see (a shared mount on a cluster): the driver
 * resolves it and leaves a check file there, and a task that cannot read it runs nothing and the job stops with
 * one sentence. A re-run with the same folder resumes: finished runs are kept, as in the local sweep. The driver
 * never loads the model: one task resolves the grid on an executor first. Cluster failures (executors that
 * cannot start, GPUs no worker has: {@code --start-timeout}) and a report that cannot be written are one
 * sentence with exit 1, as in {@link RenderJob}.
 */
@Command(name = "SweepJob", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run kino bench sweep's grid as Spark tasks and write its report into --out (a shared folder).",
                "The same options as kino bench sweep: --precision runs each mode's cells on that mode's package (found"
                        + " beside --model on the executors) and compares them with the fp32 cell of the same settings."})
public final class SweepJob implements Callable<Integer> {

    @Mixin
    SweepOptions grid;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "1",
            description = "Time each run N times and keep the median run (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Sweep folder that the driver and every executor see; a re-run with the same folder resumes.")
    Path out;

    @Option(names = "--start-timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Fail when no executor starts a task of a job within this time (no worker has the GPUs asked"
                    + " for, executors cannot launch); 0 waits forever (default: ${DEFAULT-VALUE}).")
    long startTimeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static final String RERUN = "rerun with the same --out";

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
        SweepReport.Written written;
        try {
            written = SweepReport.write(results, commandLine());
        } catch (KinoException e) {
            int runs = results.cells().size() + results.references().size();
            throw new KinoException("The sweep's " + runs + " runs are in " + results.folder() + ", but the report"
                    + " could not be written there ("
                    + e.getMessage().replaceAll("[.;]+$", "") + "); " + RERUN + " once that is fixed: it keeps every"
                    + " run and writes the report.", e);
        }
        SweepReport.printSummary(new PrintStream(System.out, true), results, written);
        return 0;
    }

    /** Runs the grid's missing references, then its missing cells, and gathers every finished run. */
    SweepResults run(SparkSession spark) {
        // The device is each task's own; ONNX Runtime threads are each task's CPUs (recorded per run).
        SweepSpec sweep = grid.spec("auto", 0, repeats);
        Path root = SweepFolder.checkUsable(withoutStaleMarks(out));
        String spec = SweepTasks.json(sweep);
        String precision = SweepTasks.json(grid.precision());   // its packages are found where the model is
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        SweepTasks planner = new SweepTasks(spec, root.toString(), null); // planning writes nothing
        SweepTasks.Plan plan = SweepTasks.parse(await(spark, "resolve the grid", 1,
                () -> jsc.parallelize(List.of(0), 1).map(i -> planner.plan(precision)).collectAsync()).get(0),
                SweepTasks.Plan.class);
        if (plan.error() != null) {
            throw new KinoException(plan.error());
        }
        SweepFolder folder = SweepFolder.open(root, plan.identity());
        String mark = markForTasks(root);
        String resolved = SweepTasks.json(sweep.withPrecisions(plan.precisions()));
        try {
            return run(spark, plan, folder, new SweepTasks(resolved, root.toString(), mark));
        } finally {
            deleteQuietly(root.resolve(mark));
        }
    }

    private SweepResults run(SparkSession spark, SweepTasks.Plan plan, SweepFolder folder, SweepTasks tasks) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String identity = SweepTasks.json(plan.identity());

        List<String> references = new ArrayList<>();
        List<String> cells = new ArrayList<>();   // on the --model package
        List<String> modeCells = new ArrayList<>();   // each on its precision mode's package, after the fp32 cells
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
            cells.addAll(SweepTasks.pairs(List.of(new SweepGrid.Group(g.reference(),
                    pending.stream().filter(SweepGrid::onModelPackage).toList()))));
            modeCells.addAll(SweepTasks.pairs(List.of(new SweepGrid.Group(g.reference(),
                    pending.stream().filter(c -> !SweepGrid.onModelPackage(c)).toList()))));
        }
        if (!references.isEmpty()) {
            unshared(await(spark, "run " + references.size() + " sweep references", references.size(),
                    () -> jsc.parallelize(references, references.size()).map(r -> tasks.reference(r, identity))
                            .collectAsync()));
        }
        if (!cells.isEmpty()) {
            unshared(await(spark, "run " + cells.size() + " sweep cells", cells.size(),
                    () -> jsc.parallelize(cells, cells.size()).map(c -> tasks.cell(c, identity)).collectAsync()));
        }
        if (!modeCells.isEmpty()) {
            unshared(await(spark, "run " + modeCells.size() + " sweep cells of other precisions", modeCells.size(),
                    () -> jsc.parallelize(modeCells, modeCells.size()).map(c -> tasks.cell(c, identity)).collectAsync()));
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
                List.copyOf(finishedReferences), references.size() + cells.size() + modeCells.size(), reused, outside, plan.warnings());
    }

    /** One Spark job of the sweep, its failures as one sentence ({@link ClusterJob}). */
    private <T> List<T> await(SparkSession spark, String what, int tasks,
                              java.util.function.Supplier<org.apache.spark.api.java.JavaFutureAction<List<T>>> submit) {
        spark.sparkContext().setJobDescription("kino sweep: " + what);
        TaskClock clock = new TaskClock(tasks);
        ClusterJob.listen(spark.sparkContext(), clock, what, RERUN);
        try {
            return ClusterJob.await(spark.sparkContext(), submit, clock, startTimeout, what, RERUN);
        } finally {
            try {
                spark.sparkContext().removeSparkListener(clock);
            } catch (RuntimeException stopped) {
                // the application stopped: its listeners went with it
            }
        }
    }

    /** Stops at the first task that could not see the driver's folder; what the others wrote is kept. */
    private static void unshared(List<String> problems) {
        for (String p : problems) {
            if (p != null) {
                throw new KinoException(p + " Runs that other executors wrote are kept for a rerun.");
            }
        }
    }

    /** {@code out} without the check files of earlier runs that ended before removing theirs. */
    private static Path withoutStaleMarks(Path out) {
        if (Files.isDirectory(out)) {
            try (Stream<Path> files = Files.list(out)) {
                files.filter(f -> f.getFileName().toString().startsWith(OutputStore.MARK_PREFIX))
                        .forEach(SweepJob::deleteQuietly);
            } catch (IOException e) {
                // checkUsable says what is wrong with the folder
            }
        }
        return out;
    }

    /** Writes this run's check file into the sweep folder (created if missing); returns its name. */
    private static String markForTasks(Path root) {
        String mark = OutputStore.MARK_PREFIX + java.util.UUID.randomUUID();
        try {
            Files.createDirectories(root);
            Files.writeString(root.resolve(mark), mark, StandardCharsets.UTF_8);
            return mark;
        } catch (IOException e) {
            throw new KinoException("Cannot write into --out " + root + " (" + e.getMessage()
                    + "); check that the folder is writable and the disk has room.", e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a stale check file is removed by the next run
        }
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
