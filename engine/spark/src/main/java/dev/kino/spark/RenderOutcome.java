package dev.kino.spark;

import dev.kino.pipeline.StageTimings;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One row of the results table: what became of one take, where and on what it ran, and how long each stage
 * took (milliseconds; null where the stage did not run).
 *
 * @param status   {@code rendered}, {@code kept} (finished earlier with the same plan fingerprint, {@code --resume})
 *                 or {@code failed}
 * @param error    for a failed take, the engine's one-sentence reason
 * @param output   the MP4's URI (null when failed)
 * @param executor Spark's executor id ({@code driver} in local mode)
 * @param device   {@code cuda:N} or {@code cpu}: what the take rendered on
 * @param attempt  Spark's attempt number of the task, from 0 (above 0: the take was retried)
 * @param loadMs   time this task spent loading the model; 0 when an earlier task of the executor had loaded it
 * @param writeMs  time to copy the MP4 and its record into {@code --out}
 */
public record RenderOutcome(String project, String shot, int take, long seed, String prompt, String fingerprint,
                            String output, String status, String error, String host, String executor,
                            String device, Integer attempt, Double loadMs, Double tokenizeMs, Double textEncodeMs,
                            Double denoiseMs, Double vaeDecodeMs, Double encodeMp4Ms, Double writeMs, Double totalMs,
                            String warnings) implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String RENDERED = "rendered";
    public static final String KEPT = "kept";
    public static final String FAILED = "failed";
    /** A task that could not see the driver's {@code --out}: the run fails, no table is written. */
    public static final String UNSHARED = "output-not-shared";

    /** The table's columns, in this order. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        field("project", DataTypes.StringType), field("shot", DataTypes.StringType),
        field("take", DataTypes.IntegerType), field("seed", DataTypes.LongType), field("prompt", DataTypes.StringType),
        field("plan_fingerprint", DataTypes.StringType), field("output", DataTypes.StringType),
        field("status", DataTypes.StringType), field("error", DataTypes.StringType), field("host", DataTypes.StringType),
        field("executor", DataTypes.StringType), field("device", DataTypes.StringType),
        field("attempt", DataTypes.IntegerType), field("model_load_ms", DataTypes.DoubleType),
        field("tokenize_ms", DataTypes.DoubleType), field("text_encode_ms", DataTypes.DoubleType),
        field("denoise_ms", DataTypes.DoubleType), field("vae_decode_ms", DataTypes.DoubleType),
        field("encode_mp4_ms", DataTypes.DoubleType), field("write_ms", DataTypes.DoubleType),
        field("total_ms", DataTypes.DoubleType), field("warnings", DataTypes.StringType)});

    private static StructField field(String name, org.apache.spark.sql.types.DataType type) {
        return DataTypes.createStructField(name, type, true);
    }

    /** A take that rendered. */
    static RenderOutcome rendered(RenderRow r, String output, TaskInfo where, long loadNanos, StageTimings t,
                                  long writeNanos, List<String> warnings) {
        Map<String, Duration> wall = t.wall();
        double total = ms(t.total()) + ms(loadNanos) + ms(writeNanos);
        return new RenderOutcome(r.project(), r.shot(), r.take(), r.seed(), r.prompt(), r.fingerprint(), output,
                RENDERED, null, where.host(), where.executor(), where.device(), where.attempt(), ms(loadNanos),
                ms(wall.get(StageTimings.TOKENIZE)), ms(wall.get(StageTimings.TEXT_ENCODE)),
                ms(wall.get(StageTimings.DENOISE)), ms(wall.get(StageTimings.VAE_DECODE)),
                ms(wall.get(StageTimings.ENCODE_MP4)), ms(writeNanos), total,
                warnings.isEmpty() ? null : String.join(" ", warnings));
    }

    /** A take that cannot render, with the engine's sentence. */
    static RenderOutcome failed(RenderRow r, TaskInfo where, String error) {
        return new RenderOutcome(r.project(), r.shot(), r.take(), r.seed(), r.prompt(), r.fingerprint(), null, FAILED,
                error, where.host(), where.executor(), where.device(), where.attempt(), null, null, null, null, null,
                null, null, null, null);
    }

    /** A take whose executor does not share the driver's output folder, with the sentence saying so. */
    static RenderOutcome unshared(RenderRow r, TaskInfo where, String error) {
        return new RenderOutcome(r.project(), r.shot(), r.take(), r.seed(), r.prompt(), r.fingerprint(), null,
                UNSHARED, error, where.host(), where.executor(), null, where.attempt(), null, null, null, null, null,
                null, null, null, null);
    }

    /** A take finished by an earlier run with the same request hash. */
    static RenderOutcome kept(RenderRow r, String output) {
        return new RenderOutcome(r.project(), r.shot(), r.take(), r.seed(), r.prompt(), r.fingerprint(), output, KEPT,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Where a task ran. */
    record TaskInfo(String host, String executor, String device, int attempt) {
    }

    Row toRow() {
        return RowFactory.create(project, shot, take, seed, prompt, fingerprint, output, status, error, host, executor,
                device, attempt, loadMs, tokenizeMs, textEncodeMs, denoiseMs, vaeDecodeMs, encodeMp4Ms, writeMs,
                totalMs, warnings);
    }

    private static Double ms(Duration d) {
        return d == null ? null : d.toNanos() / 1e6;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
