package dev.kino.sweep;

import dev.kino.model.ModelPackage;
import dev.kino.pipeline.ExpertResidency;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.sweep.measure.MachineInfo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a step sweep: every scheduler × step count × guidance × seed × prompt, each compared with a reference
 * run of the same prompt, seed and guidance at many steps.
 *
 * <p>The model loads once and its sessions stay open for the whole grid. One untimed warm-up generation runs
 * first, so that the first measured cell does not pay for ONNX Runtime's first-run allocations, the JIT, or
 * FFmpeg's start. Cells are grouped by reference: a reference is run (or loaded from the folder) right before
 * its cells and dropped after them. Every run is written to the folder as it finishes.
 *
 * <p>With a precision axis ({@link PrecisionAxis}), the {@code --model} package runs the references and the fp32
 * cells first; then each mode's package is loaded in turn (one package in memory at a time, with its own warm-up)
 * and runs that mode's cells, each compared with its reference and with the fp32 cell of the same settings, whose
 * frames and latents the folder keeps.
 *
 * <pre>{@code
 * SweepSpec spec = SweepSpec.builder(modelDir).prompts(List.of("a red circle")).steps(List.of(4, 8)).build();
 * SweepResults results = Sweep.run(spec, Path.of("sweep-out"), System.err);
 * SweepReport.write(results, null);   // CSV, JSON, charts, report.html
 * }</pre>
 */
public final class Sweep {
    private final OnnxRuntime runtime;
    private final SweepGrid grid;
    private final SweepFolder folder;
    private final CellResult.ModelInfo model;
    private final Map<String, CellResult.ModelInfo> modePackages;
    private final MachineInfo machine;
    private final String provider;
    private final int threads;
    private final int repeats;
    private final ExpertResidency experts;

    private Sweep(OnnxRuntime runtime, String provider, SweepGrid grid, SweepFolder folder, CellResult.ModelInfo model,
                  Map<String, CellResult.ModelInfo> modePackages, MachineInfo machine, int threads, int repeats,
                  ExpertResidency experts) {
        this.runtime = runtime;
        this.provider = provider;
        this.grid = grid;
        this.folder = folder;
        this.model = model;
        this.modePackages = modePackages;
        this.machine = machine;
        this.threads = threads;
        this.repeats = repeats;
        this.experts = experts;
    }

    /**
     * Runs every cell of {@code spec} that {@code out} does not already hold.
     *
     * @param progress where to draw the progress bar and notes; null for silence
     * @throws dev.kino.KinoException when the spec does not fit the model or the folder holds another sweep
     */
    public static SweepResults run(SweepSpec spec, Path out, PrintStream progress) {
        Device device = Device.parse(spec.device());
        SweepFolder.checkUsable(out);
        ModelPackage pkg = ModelPackage.open(spec.modelDir());
        Map<String, CellResult.ModelInfo> modePackages = new LinkedHashMap<>();
        spec.precisions().forEach((mode, dir) -> modePackages.put(mode, CellResult.ModelInfo.of(ModelPackage.open(dir))));
        OnnxRuntime runtime = OnnxRuntime.create(device, spec.threads());
        TextToVideoPipeline pipeline = TextToVideoPipeline.load(pkg, runtime, spec.experts());
        Sweep sweep;
        try {
            SweepGrid grid = SweepGrid.resolve(spec, pipeline);
            CellResult.ModelInfo model = CellResult.ModelInfo.of(pkg);
            ResolvedSettings s = grid.settings();
            SweepFolder folder = SweepFolder.open(out, SweepIdentity.of(spec, pipeline, s, spec.threads()));
            sweep = new Sweep(runtime, pipeline.provider().label(), grid, folder, model, modePackages,
                    MachineInfo.collect(pipeline.provider()), spec.threads(), spec.repeats(), spec.experts());
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
        return sweep.run(pipeline, progress);
    }

    /** Runs the grid: the model package's runs on {@code pipeline} (closed when they are done), then each mode's. */
    private SweepResults run(TextToVideoPipeline pipeline, PrintStream progress) {
        List<SweepGrid.Group> groups = grid.groups();
        long stepsToRun = 0;
        int runsToDo = 0;
        boolean modelRuns = false;
        Set<String> modesToRun = new HashSet<>();
        for (SweepGrid.Group g : groups) {
            List<Cell> pending = pending(g);
            if (!pending.isEmpty() && folder.finishedReference(g.reference()).isEmpty()) {
                stepsToRun += (long) g.reference().steps() * repeats;
                runsToDo++;
                modelRuns = true;
            }
            stepsToRun += (long) pending.stream().mapToInt(Cell::steps).sum() * repeats;
            runsToDo += pending.size();
            for (Cell c : pending) {
                if (SweepGrid.onModelPackage(c)) {
                    modelRuns = true;
                } else {
                    modesToRun.add(c.precision());
                }
            }
        }
        int warmUps = (modelRuns ? 1 : 0) + modesToRun.size();
        if (progress != null) {
            grid.warnings().forEach(w -> progress.println("warning: " + w));
            progress.println("Sweep of " + grid.cells().size() + " cells on " + model.name() + " ("
                    + provider + "): " + runsToDo + " runs to do, the rest finished earlier in "
                    + folder.root());
        }
        Counts n = new Counts(runsToDo);
        Map<String, CellResult> cells = new LinkedHashMap<>();
        List<CellResult> references = new ArrayList<>();
        try (GridProgress bar = new GridProgress(progress, stepsToRun + 2L * warmUps)) {
            try (TextToVideoPipeline p = pipeline) {
                SweepRuns runs = new SweepRuns(p, grid, folder, model, machine, threads, repeats);
                if (modelRuns) {
                    bar.starting("warm-up");
                    runs.warmUp(bar);
                }
                for (SweepGrid.Group g : groups) {
                    runModelPackage(g, runs, bar, n, cells, references);
                }
            }
            for (Map.Entry<String, CellResult.ModelInfo> mode : modePackages.entrySet()) {
                runMode(mode.getKey(), mode.getValue(), bar, n, cells);
            }
        }
        int outside = countOutsideGrid(cells.keySet());
        List<CellResult> inGridOrder = grid.cells().stream().map(c -> cells.get(c.id())).toList();
        return new SweepResults(folder.root(), grid.settings(), model, machine, inGridOrder,
                List.copyOf(references), n.ran, n.reused, outside, grid.warnings());
    }

    /** Runs done and reused so far, against the runs to do. */
    private static final class Counts {
        final int toDo;
        int done;
        int ran;
        int reused;

        Counts(int toDo) {
            this.toDo = toDo;
        }
    }

    /** A group's reference (when it has work left) and its cells that the {@code --model} package renders. */
    private void runModelPackage(SweepGrid.Group g, SweepRuns runs, GridProgress bar, Counts n,
                                 Map<String, CellResult> cells, List<CellResult> references) {
        List<Cell> own = g.cells().stream().filter(SweepGrid::onModelPackage).toList();
        Optional<CellResult> cachedRef = folder.finishedReference(g.reference());
        if (pending(g).isEmpty()) {
            cachedRef.ifPresent(references::add);
            own.forEach(c -> cells.put(c.id(), folder.finishedCell(c, g.reference().id()).orElseThrow()));
            n.reused += own.size() + (cachedRef.isPresent() ? 1 : 0);
            return;
        }
        CellResult ref;
        SweepFolder.ReferenceOutput refOutput;
        if (cachedRef.isPresent()) {
            ref = cachedRef.get();
            refOutput = folder.loadReferenceOutput(ref);
            n.reused++;
        } else {
            n.done++;
            bar.starting("run " + n.done + "/" + n.toDo + ": reference " + label(g.reference()));
            GenerationResult r = runs.runReference(g.reference(), bar);
            ref = folder.finishedReference(g.reference()).orElseThrow();
            refOutput = new SweepFolder.ReferenceOutput(r.frames(), r.latents());
            n.ran++;
        }
        references.add(ref);
        for (Cell cell : own) {
            Optional<CellResult> finished = folder.finishedCell(cell, ref.id());
            if (finished.isPresent()) {
                cells.put(cell.id(), finished.get());
                n.reused++;
                continue;
            }
            n.done++;
            bar.starting("run " + n.done + "/" + n.toDo + ": " + label(cell));
            cells.put(cell.id(), runs.runCell(cell, ref, refOutput, null, bar));
            n.ran++;
        }
    }

    /**
     * Every cell of one precision mode, on that mode's package (loaded, and warmed up, only when a cell is left to
     * run), each compared with its reference and with the fp32 cell of the same settings from the folder.
     */
    private void runMode(String mode, CellResult.ModelInfo pkg, GridProgress bar, Counts n,
                         Map<String, CellResult> cells) {
        TextToVideoPipeline pipeline = null;
        try {
            SweepRuns runs = null;
            for (SweepGrid.Group g : grid.groups()) {
                SweepFolder.ReferenceOutput refOutput = null;
                for (Cell cell : g.cells().stream().filter(c -> mode.equals(c.precision())).toList()) {
                    Optional<CellResult> finished = folder.finishedCell(cell, g.reference().id());
                    if (finished.isPresent()) {
                        cells.put(cell.id(), finished.get());
                        n.reused++;
                        continue;
                    }
                    if (runs == null) {
                        pipeline = TextToVideoPipeline.load(ModelPackage.open(Path.of(pkg.dir())), runtime, experts);
                        runs = new SweepRuns(pipeline, grid, folder, pkg, machine, threads, repeats);
                        bar.starting("warm-up of " + mode);
                        runs.warmUp(bar);
                    }
                    CellResult ref = folder.finishedReference(g.reference()).orElseThrow();
                    if (refOutput == null) {
                        refOutput = folder.loadReferenceOutput(ref);
                    }
                    SweepFolder.ReferenceOutput fp32 = folder.loadCellOutput(cells.get(cell.fp32().id()));
                    n.done++;
                    bar.starting("run " + n.done + "/" + n.toDo + ": " + label(cell));
                    cells.put(cell.id(), runs.runCell(cell, ref, refOutput, fp32, bar));
                    n.ran++;
                }
            }
        } finally {
            if (pipeline != null) {
                pipeline.close();
            }
        }
    }

    private List<Cell> pending(SweepGrid.Group g) {
        return g.cells().stream().filter(c -> folder.finishedCell(c, g.reference().id()).isEmpty()).toList();
    }

    private int countOutsideGrid(Set<String> inGrid) {
        return (int) folder.allFinishedCells().stream().filter(c -> !inGrid.contains(c.id())).count();
    }

    private static String label(Cell c) {
        return c.scheduler() + " " + c.steps() + " steps" + (c.loraStrength() == null ? ""
                : ", LoRA " + Cell.number(c.loraStrength())) + (c.precision() == null ? "" : ", " + c.precision())
                + ", seed " + c.seed() + ", "
                + (c.guidance() == null ? "the model's guidance" : "guidance " + Cell.number(c.guidance()));
    }
}
