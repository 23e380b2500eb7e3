package dev.kino.spark;

import dev.kino.KinoException;
import dev.kino.commandline.DeliveryFormatOption;
import dev.kino.commandline.ExpertsOption;
import dev.kino.commandline.KinoPrograms;
import dev.kino.shots.ShotList;
import dev.kino.shots.Take;
import dev.kino.demo.DemoModel;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationPlanner;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Renders a shot list on a Spark cluster, one take per task:
 * <pre>
 * spark-submit --class dev.kino.spark.RenderJob kino-spark.jar --shots shots.json --model /models/wan --out s3a://bucket/renders
 * </pre>
 * The driver reads and checks the list, skips finished takes with {@code --resume}, and writes the results
 * table ({@code results.parquet/} and {@code results.json/} in {@code --out}); executors load the model once
 * each and render on the GPU Spark gives each task ({@link RenderTask}). The driver needs no GPU and never
 * loads the model.
 */
@Command(name = "RenderJob", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Render every take of a shot list on Spark, one take per task, into --out (any Hadoop file system).")
public final class RenderJob implements Callable<Integer> {
    static final String PARQUET = "results.parquet";
    static final String JSON = "results.json";
    private static final String RERUN = "rerun with --resume";

    @Option(names = "--shots", required = true, paramLabel = "URI",
            description = "Shot list (.json, .yaml) or table of shots (.csv with a header row, .parquet).")
    String shots;

    @Option(names = "--model", paramLabel = "PATH",
            description = "Model package folder, as every executor sees it (default: the built-in demo model).")
    String model;

    @Option(names = "--out", required = true, paramLabel = "URI",
            description = "Folder for the takes and the results table: a path, file:, hdfs: or s3a: URI.")
    String out;

    @Option(names = "--takes", paramLabel = "N",
            description = "Takes of every shot that lists no seeds of its own (default: the shot list's).")
    Integer takes;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Project seed of a .csv/.parquet table, that take seeds derive from (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--resume", description = "Keep takes whose MP4 exists with the same request hash; render the rest.")
    boolean resume;

    @Mixin
    DeliveryFormatOption formatOption;

    @Mixin
    ExpertsOption experts;

    @Option(names = "--start-timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Fail when no executor starts a take within this time (no worker has the GPUs asked for,"
                    + " executors cannot launch); 0 waits forever (default: ${DEFAULT-VALUE}).")
    long startTimeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * What a run did.
     *
     * @param outcomes   one per take, in shot-list order
     * @param renderMs   wall time of the Spark job that rendered (0 when every take was kept)
     * @param overheadMs per rendered take, Spark's executor-side time around the render (deserializing the task,
     *                   running it, serializing the result) minus the render's own total; null where unknown
     */
    public record Summary(List<RenderOutcome> outcomes, double renderMs, List<Double> overheadMs) {
        public long count(String status) {
            return outcomes.stream().filter(o -> o.status().equals(status)).count();
        }
    }

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().appName("kino render").getOrCreate();
        int code;
        try {
            code = KinoPrograms.execute(new CommandLine(new RenderJob()), "kino-spark RenderJob", args, System.out,
                    System.err);
        } finally {
            spark.stop();
        }
        System.exit(code);
    }

    @Override
    public Integer call() {
        Summary s = run(SparkSession.active(), null);
        PrintWriter o = spec.commandLine().getOut();
        for (RenderOutcome f : s.outcomes()) {
            if (f.status().equals(RenderOutcome.FAILED)) {
                o.println("failed: " + f.shot() + " take " + f.take() + ": " + f.error());
            }
        }
        OutputStore store = OutputStore.onDriver(out, SparkSession.active().sparkContext().hadoopConfiguration());
        o.println("Rendered " + s.count(RenderOutcome.RENDERED) + ", kept " + s.count(RenderOutcome.KEPT) + ", failed "
                + s.count(RenderOutcome.FAILED) + " of " + s.outcomes().size() + " takes; results in "
                + store.uri(PARQUET) + " and " + store.uri(JSON));
        long rendered = s.count(RenderOutcome.RENDERED);
        if (rendered > 0) {
            o.printf(java.util.Locale.ROOT, "Render job: %.1f s, %.1f takes/minute; Spark's executor-side time per"
                    + " take beyond the render: median %s ms%n", s.renderMs() / 1000, rendered * 60_000 / s.renderMs(),
                    median(s.overheadMs()));
        }
        return s.count(RenderOutcome.FAILED) == 0 ? 0 : KinoPrograms.USER_ERROR;
    }

    /** Runs the job on {@code spark} with the parsed options; {@code hook} runs before each take (tests). */
    Summary run(SparkSession spark, RenderTask.BeforeRender hook) {
        experts.residency();   // a bad --experts before anything is read
        ShotList list = ShotSource.read(spark, shots, seed, takes);
        OutputStore store = OutputStore.onDriver(out, spark.sparkContext().hadoopConfiguration());
        if (!resume && !store.isNewOrEmpty()) {
            throw new KinoException("--out " + out + " already holds files; pass --resume to render only the takes"
                    + " that are missing there, or choose a new --out folder.");
        }
        List<RenderRow> rows = new ArrayList<>();
        // The driver plans every take from the packages' manifests and graph signatures (no model is loaded here);
        // the executors run the plans.
        Map<String, GenerationPlanner> planners = new HashMap<>();
        for (Take t : list.takes()) {
            rows.add(RenderRow.of(t, model, ref -> planners.computeIfAbsent(ref, RenderJob::planner)));
        }
        Map<String, RenderOutcome> byKey = new HashMap<>();
        List<Double> overhead = new ArrayList<>();
        double renderMs = 0;
        List<RenderRow> todo = new ArrayList<>();
        for (RenderRow r : rows) {
            if (resume && store.done(r, r.master(formatOption.format()))) {
                byKey.put(r.key(), RenderOutcome.kept(r, store.uri(r.mp4())));
            } else {
                todo.add(r);
            }
        }
        if (!todo.isEmpty()) {
            renderMs = render(spark, store, list.project(), todo, hook, byKey, overhead);
        }
        List<RenderOutcome> outcomes = rows.stream().map(r -> byKey.get(r.key())).toList();
        writeResults(spark, store, outcomes);
        return new Summary(outcomes, renderMs, overhead);
    }

    /** Renders {@code todo}, one take per task; fills {@code byKey} and {@code overhead}, returns the job's ms. */
    private double render(SparkSession spark, OutputStore store, String project, List<RenderRow> todo,
                          RenderTask.BeforeRender hook, Map<String, RenderOutcome> byKey, List<Double> overhead) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String what = "render " + todo.size() + " takes of " + project;
        jsc.setJobDescription("kino: " + what);
        TaskClock clock = new TaskClock(todo.size());
        ClusterJob.listen(spark.sparkContext(), clock, what, RERUN);
        String mark = store.markForTasks();
        List<RenderOutcome> done;
        List<Long> taskMs;
        double renderMs;
        long start = System.nanoTime();
        try {
            // One take per partition: each take is its own task, scheduled, retried and timed on its own.
            done = ClusterJob.await(spark.sparkContext(), () -> jsc.parallelize(todo, todo.size())
                    .map(new RenderTask(store, mark, formatOption.format(), experts.residency(), hook)).collectAsync(), clock, startTimeout, what, RERUN);
            renderMs = (System.nanoTime() - start) / 1e6;
            taskMs = clock.await(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KinoException("Interrupted while the render job finished; rerun with --resume.", e);
        } finally {
            try {
                spark.sparkContext().removeSparkListener(clock);
            } catch (RuntimeException stopped) {
                // the application stopped: its listeners went with it
            }
            store.unmark(mark);
        }
        for (RenderOutcome o : done) {
            if (o.status().equals(RenderOutcome.UNSHARED)) {
                throw new KinoException(o.error() + " Takes that other executors wrote are kept for --resume.");
            }
        }
        for (int i = 0; i < todo.size(); i++) {
            RenderOutcome o = done.get(i);
            byKey.put(todo.get(i).key(), o);
            if (o.status().equals(RenderOutcome.RENDERED)) {
                overhead.add(taskMs.get(i) == null ? null : taskMs.get(i) - o.totalMs());
            }
        }
        return renderMs;
    }

    /** The planner of a model reference: the demo model, or a package folder the driver can read too. */
    static GenerationPlanner planner(String ref) {
        return GenerationPlanner.of(ModelPackage.open(ref.equals(ExecutorPipelines.DEMO) ? DemoModel.folder()
                : java.nio.file.Path.of(ref)));
    }

    private static String median(List<Double> values) {
        List<Double> known = values.stream().filter(java.util.Objects::nonNull).sorted().toList();
        return known.isEmpty() ? "unknown" : String.format(java.util.Locale.ROOT, "%.1f", known.get(known.size() / 2));
    }

    private static void writeResults(SparkSession spark, OutputStore store, List<RenderOutcome> outcomes) {
        List<Row> table = outcomes.stream().map(RenderOutcome::toRow).toList();
        try {
            var frame = spark.createDataFrame(table, RenderOutcome.SCHEMA).coalesce(1);
            frame.write().mode(SaveMode.Overwrite).parquet(store.path(PARQUET).toString());
            frame.write().mode(SaveMode.Overwrite).json(store.path(JSON).toString());
        } catch (Exception e) { // Spark's write errors (SparkException, Hadoop's IOExceptions) come unchecked
            long written = outcomes.stream().filter(o -> o.output() != null).count();
            throw new KinoException(written + " of " + outcomes.size() + " takes are in " + store.root()
                    + ", but the results table could not be written there (" + ClusterJob.reason(rootCause(e))
                    + "); free space or fix access to --out, then rerun with --resume: it keeps every take and"
                    + " writes the table.", e);
        }
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
