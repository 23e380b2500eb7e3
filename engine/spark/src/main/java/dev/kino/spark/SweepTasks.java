package dev.kino.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kino.KinoException;
import dev.kino.denoise.StepListener;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.runtime.Device;
import dev.kino.sweep.Cell;
import dev.kino.sweep.CellResult;
import dev.kino.sweep.PrecisionAxis;
import dev.kino.sweep.SweepFolder;
import dev.kino.sweep.SweepGrid;
import dev.kino.sweep.SweepIdentity;
import dev.kino.sweep.SweepRuns;
import dev.kino.sweep.SweepSpec;
import dev.kino.sweep.io.BenchJson;
import dev.kino.sweep.measure.MachineInfo;
import dev.kino.shots.TakeRecord;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The executor side of {@link SweepJob}: each task borrows the executor's pipeline for the sweep's model on the
 * task's device and runs one piece of the sweep with the bench's own code ({@link SweepRuns}), writing into the
 * sweep folder exactly what {@code kino bench sweep} writes there.
 *
 * @param spec   the grid, as Java-serializable values (JSON of the bench's {@link SweepSpec})
 * @param folder the sweep folder, a path every executor and the driver see (a local disk in local mode, a
 *               shared mount on a cluster)
 * @param mark   the check file the driver left in the folder for this run: a task that cannot read it runs
 *               nothing, since what it wrote would land where the driver never looks (null while planning,
 *               which writes nothing)
 *               (how a mixture's experts are loaded, {@code --experts}, is the spec's: a sweep's times with
 *               {@code one} include reading each expert again per run)
 */
record SweepTasks(String spec, String folder, String mark) implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * What the driver needs from the grid, resolved on an executor against the loaded model; {@code precisions}: the
     * precision modes' packages, found beside the model there ({@link PrecisionAxis}).
     */
    record Plan(SweepIdentity identity, ResolvedSettings settings, List<SweepGrid.Group> groups, List<String> warnings,
                CellResult.ModelInfo model, MachineInfo machine, Map<String, Path> precisions, String error) {
    }

    static String json(Object value) {
        try {
            return BenchJson.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static <T> T parse(String json, Class<T> type) {
        try {
            return BenchJson.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    SweepSpec sweepSpec() {
        return parse(spec, SweepSpec.class);
    }

    /**
     * Resolves the grid and the precision axis ({@code precisionJson}: JSON of a {@link PrecisionAxis.Request}) on
     * this executor (the driver never loads the model); a user error comes back as text.
     */
    String plan(String precisionJson) {
        try {
            SweepSpec plain = sweepSpec();
            SweepSpec s = plain.withPrecisions(parse(precisionJson, PrecisionAxis.Request.class).resolve(plain.modelDir()));
            try (ExecutorPipelines.Lease lease = borrow(s, s.modelDir())) {
                SweepGrid grid = SweepGrid.resolve(s, lease.pipeline());
                ResolvedSettings r = grid.settings();
                return json(new Plan(SweepIdentity.of(s, lease.pipeline(), r, threads()), r, grid.groups(),
                        grid.warnings(), CellResult.ModelInfo.of(lease.pipeline().modelPackage()),
                        MachineInfo.collect(lease.pipeline().provider()), s.precisions(), null));
            }
        } catch (KinoException e) {
            return json(new Plan(null, null, null, null, null, null, null, e.getMessage()));
        }
    }

    /** Runs one reference (JSON of a {@link Cell}) and stores it in the folder; null, or why it could not. */
    String reference(String referenceJson, String identityJson) {
        String unshared = unshared();
        if (unshared != null) {
            return unshared;
        }
        Cell reference = parse(referenceJson, Cell.class);
        SweepIdentity identity = parse(identityJson, SweepIdentity.class);
        SweepSpec s = sweepSpec();
        try (ExecutorPipelines.Lease lease = borrow(s, s.modelDir())) {
            runs(s, lease, identity).runReference(reference, StepListener.NONE);
            return null;
        }
    }

    /**
     * Runs one cell against its stored reference (JSON of both {@link Cell}s); null, or why it could not. A cell of
     * a precision mode other than fp32 runs on that mode's package and is also compared with the stored fp32 cell of
     * the same settings, which ran before it.
     */
    String cell(String pairJson, String identityJson) {
        String unshared = unshared();
        if (unshared != null) {
            return unshared;
        }
        Cell[] pair = parse(pairJson, Cell[].class);
        Cell reference = pair[0];
        Cell cell = pair[1];
        SweepIdentity identity = parse(identityJson, SweepIdentity.class);
        SweepSpec s = sweepSpec();
        Path pkg = SweepGrid.onModelPackage(cell) ? s.modelDir() : s.precisions().get(cell.precision());
        try (ExecutorPipelines.Lease lease = borrow(s, pkg)) {
            SweepFolder f = SweepFolder.open(Path.of(folder), identity);
            CellResult ref = f.finishedReference(reference).orElseThrow(() -> new IllegalStateException(
                    "the reference " + reference.id() + " ran before this cell but is not in " + folder));
            SweepFolder.ReferenceOutput fp32 = SweepGrid.onModelPackage(cell) ? null : f.loadCellOutput(
                    f.finishedCell(cell.fp32(), reference.id()).orElseThrow(() -> new IllegalStateException(
                            "the fp32 cell " + cell.fp32().id() + " ran before this cell but is not in " + folder)));
            runs(s, lease, identity).runCell(cell, ref, f.loadReferenceOutput(ref), fp32, StepListener.NONE);
            return null;
        }
    }

    /** Null when this JVM reads the driver's check file in the folder; else the sentence saying it cannot. */
    String unshared() {
        try {
            if (mark.equals(Files.readString(Path.of(folder, mark), StandardCharsets.UTF_8))) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            // missing or unreadable: not the driver's folder
        }
        String executor = SparkEnv.get() == null ? "" : SparkEnv.get().executorId();
        return "The executor on " + TakeRecord.host() + " (executor " + executor + ") does not see the driver's sweep"
                + " folder " + folder + " (the check file the driver wrote there is missing), so its runs would land"
                + " where the driver never looks; give --out as a folder the driver and every executor share: a mount"
                + " at the same path on every machine.";
    }

    private SweepRuns runs(SweepSpec s, ExecutorPipelines.Lease lease, SweepIdentity identity) {
        SweepGrid grid = SweepGrid.resolve(s, lease.pipeline());
        SweepFolder f = SweepFolder.open(Path.of(folder), identity);
        SweepRuns runs = new SweepRuns(lease.pipeline(), grid, f, CellResult.ModelInfo.of(lease.pipeline().modelPackage()),
                MachineInfo.collect(lease.pipeline().provider()), threads(), s.repeats());
        if (lease.loadNanos() > 0) {
            runs.warmUp(StepListener.NONE); // a freshly loaded pipeline: untimed warm-up, as the local sweep does
        }
        return runs;
    }

    /** This executor's pipeline of {@code pkg} (the model's, or a precision mode's package) for the task's device. */
    private static ExecutorPipelines.Lease borrow(SweepSpec s, Path pkg) {
        TaskContext task = TaskContext.get();
        Device device = TaskDevice.choose(task == null ? Map.of() : task.resourcesJMap());
        return ExecutorPipelines.borrow(pkg.toString(), device, threads(), s.experts());
    }

    /** ONNX Runtime threads: the task's CPUs, so parallel tasks do not oversubscribe the cores. */
    private static int threads() {
        TaskContext task = TaskContext.get();
        return task == null ? 0 : task.cpus();
    }

    /** JSON of each cell with the reference it is compared with, for one task each. */
    static List<String> pairs(List<SweepGrid.Group> groups) {
        List<String> pairs = new ArrayList<>();
        for (SweepGrid.Group g : groups) {
            for (Cell c : g.cells()) {
                pairs.add(json(new Cell[] {g.reference(), c}));
            }
        }
        return pairs;
    }
}
