package dev.kino.spark;

import dev.kino.KinoException;
import dev.kino.denoise.StepListener;
import dev.kino.pipeline.ExpertResidency;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.StageTimings;
import dev.kino.runtime.Device;
import dev.kino.shots.Take;
import dev.kino.shots.TakeRecord;
import dev.kino.shots.TakeVideo;
import dev.kino.video.DeliveryFormat;
import dev.kino.video.DeliveryWriter;
import dev.kino.video.Mp4Writer;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What a Spark task does with one take, on an executor: borrow this executor's pipeline for the model on the
 * task's device, render, encode the MP4 exactly as {@code kino generate} and {@code kino render} do, and put it
 * and its record into {@code --out}.
 *
 * <p>A take the engine refuses (a {@link KinoException}: a size the model cannot make, a missing model
 * package) becomes a failed row with the engine's sentence and the job goes on. Anything else (a crash, a file
 * system error) fails the task, and Spark retries it up to {@code spark.task.maxFailures} times. A task that
 * cannot see the driver's check file in {@code --out} renders nothing and reports {@link RenderOutcome#UNSHARED}:
 * the driver then fails the run (retrying would not help).
 */
final class RenderTask implements Function<RenderRow, RenderOutcome> {
    private static final long serialVersionUID = 1L;

    /** Called before a take renders; a test seam for crashes (Spark retries the task). */
    interface BeforeRender extends Serializable {
        void before(RenderRow row, int attempt);
    }

    private final OutputStore out;
    private final String mark;
    private final DeliveryFormat format;
    private final BeforeRender hook;
    private final ExpertResidency experts;

    /**
     * {@code mark}: the check file the driver left in {@code out} for this job; {@code experts}: how the executor
     * loads a mixture's experts (the job's {@code --experts}).
     */
    RenderTask(OutputStore out, String mark, DeliveryFormat format, ExpertResidency experts, BeforeRender hook) {
        this.format = format;
        this.experts = experts;
        this.out = out;
        this.mark = mark;
        this.hook = hook;
    }

    @Override
    public RenderOutcome call(RenderRow row) throws IOException {
        TaskContext task = TaskContext.get();
        int attempt = task == null ? 0 : task.attemptNumber();
        String executor = SparkEnv.get() == null ? "" : SparkEnv.get().executorId();
        if (!out.seesDriverMark(mark)) {
            return RenderOutcome.unshared(row, new RenderOutcome.TaskInfo(TakeRecord.host(), executor, null, attempt),
                    "The executor on " + TakeRecord.host() + " (executor " + executor + ") does not see the driver's"
                    + " --out folder " + out.root() + " (the check file the driver wrote there is missing), so its"
                    + " takes would land where the driver never looks; give --out as a folder the driver and every"
                    + " executor share: hdfs:, s3a:, or a mount at the same path on every machine.");
        }
        Device device;
        try {
            device = TaskDevice.choose(task == null ? Map.of() : task.resourcesJMap());
        } catch (KinoException e) {
            return RenderOutcome.failed(row, new RenderOutcome.TaskInfo(TakeRecord.host(), executor, null, attempt), e.getMessage());
        }
        RenderOutcome.TaskInfo where = new RenderOutcome.TaskInfo(TakeRecord.host(), executor, device.toString(), attempt);
        if (hook != null) {
            hook.before(row, attempt);
        }
        // ONNX Runtime gets the task's CPUs (spark.task.cpus), so parallel tasks do not oversubscribe the cores.
        int threads = task == null ? 0 : task.cpus();
        String tag = "attempt-" + (task == null ? 0 : task.taskAttemptId());
        try (ExecutorPipelines.Lease lease = ExecutorPipelines.borrow(row.model(), device, threads, experts)) {
            GenerationResult generated = lease.pipeline().generate(row.plan(), StepListener.NONE);
            Path dir = Files.createTempDirectory("kino-take-");
            try {
                Path mp4 = dir.resolve("take.mp4");
                long encode = System.nanoTime();
                int scale = TakeVideo.viewingScale(generated.frames().width(), generated.frames().height());
                Mp4Writer.write(generated.frames(), generated.settings().fps(), mp4, scale);
                GenerationResult r = generated.withStage(StageTimings.ENCODE_MP4,
                        Duration.ofNanos(System.nanoTime() - encode));
                long write = System.nanoTime();
                out.publish(mp4, row.mp4(), tag);
                if (row.master(format) != null) { // the editor's copy: the model's own pixels, not the enlarged preview
                    Path master = format.target(dir.resolve("master"));
                    DeliveryWriter.write(generated.frames(), generated.settings().fps(), format, master);
                    out.publishTree(master, row.master(format), tag);
                }
                out.write(row.record(), record(row, r, where), tag); // last: a record means a whole MP4
                return RenderOutcome.rendered(row, out.uri(row.mp4()), where, lease.loadNanos(), r.timings(),
                        System.nanoTime() - write, r.warnings());
            } finally {
                try (var files = Files.walk(dir)) {
                    for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        } catch (KinoException e) {
            return RenderOutcome.failed(row, where, e.getMessage());
        }
    }

    /**
     * The take's record, as {@code kino render} writes it (its plan fingerprint marks the take done), with the
     * request hash {@code kino render} gives the same take.
     */
    private static String record(RenderRow row, GenerationResult r, RenderOutcome.TaskInfo where) {
        String model = ExecutorPipelines.DEMO.equals(row.model()) ? null : row.model();
        return TakeRecord.json(row.project(), row.shot(), row.take(), row.seed(), model,
                Take.hash(model, row.request()), row.fingerprint(), r.settings(), where.device(), r.expertSessions());
    }
}
