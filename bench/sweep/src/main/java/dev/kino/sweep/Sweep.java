package dev.kino.sweep;

import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.request.Sha256;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.sweep.measure.MachineInfo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 * <pre>{@code
 * SweepSpec spec = SweepSpec.builder(modelDir).prompts(List.of("a red circle")).steps(List.of(4, 8)).build();
 * SweepResults results = Sweep.run(spec, Path.of("sweep-out"), System.err);
 * SweepReport.write(results, null);   // CSV, JSON, charts, report.html
 * }</pre>
 */
public final class Sweep {
    private final SweepGrid grid;
    private final SweepFolder folder;
    private final CellResult.ModelInfo model;
    private final MachineInfo machine;
    private final String provider;
    private final int repeats;
    private final SweepRuns runs;

    private Sweep(TextToVideoPipeline pipeline, SweepGrid grid, SweepFolder folder, CellResult.ModelInfo model,
                  MachineInfo machine, int threads, int repeats) {
        this.grid = grid;
        this.folder = folder;
        this.model = model;
        this.machine = machine;
        this.provider = pipeline.provider().label();
        this.repeats = repeats;
        this.runs = new SweepRuns(pipeline, grid, folder, model, machine, threads, repeats);
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
        try (TextToVideoPipeline pipeline = TextToVideoPipeline.load(pkg, OnnxRuntime.create(device, spec.threads()))) {
            SweepGrid grid = SweepGrid.resolve(spec, pipeline);
            CellResult.ModelInfo model = CellResult.ModelInfo.of(pkg);
            ResolvedSettings s = grid.settings();
            SweepFolder folder = SweepFolder.open(out, new SweepIdentity(1, model.name(), model.fingerprint(),
                    pipeline.provider().label(), spec.threads(), s.frames(), s.width(), s.height(), s.negativePrompt(),
                    spec.loras().stream().map(Sha256::of).toList()));
            MachineInfo machine = MachineInfo.collect(pipeline.provider());
            return new Sweep(pipeline, grid, folder, model, machine, spec.threads(), spec.repeats()).run(progress);
        }
    }

    private SweepResults run(PrintStream progress) {
        List<SweepGrid.Group> groups = grid.groups();
        long stepsToRun = 0;
        int runsToDo = 0;
        for (SweepGrid.Group g : groups) {
            List<Cell> pending = pending(g);
            if (!pending.isEmpty() && folder.finishedReference(g.reference()).isEmpty()) {
                stepsToRun += (long) g.reference().steps() * repeats;
                runsToDo++;
            }
            stepsToRun += (long) pending.stream().mapToInt(Cell::steps).sum() * repeats;
            runsToDo += pending.size();
        }
        if (progress != null) {
            grid.warnings().forEach(w -> progress.println("warning: " + w));
            progress.println("Sweep of " + grid.cells().size() + " cells on " + model.name() + " ("
                    + provider + "): " + runsToDo + " runs to do, the rest finished earlier in "
                    + folder.root());
        }
        int ran = 0;
        int reused = 0;
        List<CellResult> cells = new ArrayList<>();
        List<CellResult> references = new ArrayList<>();
        try (GridProgress bar = new GridProgress(progress, stepsToRun + (runsToDo > 0 ? 2 : 0))) {
            if (runsToDo > 0) {
                bar.starting("warm-up");
                runs.warmUp(bar);
            }
            int done = 0;
            for (SweepGrid.Group g : groups) {
                List<Cell> pending = pending(g);
                Optional<CellResult> cachedRef = folder.finishedReference(g.reference());
                if (pending.isEmpty()) {
                    cachedRef.ifPresent(references::add);
                    g.cells().forEach(c -> cells.add(folder.finishedCell(c, g.reference().id()).orElseThrow()));
                    reused += g.cells().size() + (cachedRef.isPresent() ? 1 : 0);
                    continue;
                }
                CellResult ref;
                SweepFolder.ReferenceOutput refOutput;
                if (cachedRef.isPresent()) {
                    ref = cachedRef.get();
                    refOutput = folder.loadReferenceOutput(ref);
                    reused++;
                } else {
                    done++;
                    bar.starting("run " + done + "/" + runsToDo + ": reference " + label(g.reference()));
                    GenerationResult r = runs.runReference(g.reference(), bar);
                    ref = folder.finishedReference(g.reference()).orElseThrow();
                    refOutput = new SweepFolder.ReferenceOutput(r.frames(), r.latents());
                    ran++;
                }
                references.add(ref);
                for (Cell cell : g.cells()) {
                    Optional<CellResult> finished = folder.finishedCell(cell, ref.id());
                    if (finished.isPresent()) {
                        cells.add(finished.get());
                        reused++;
                        continue;
                    }
                    done++;
                    bar.starting("run " + done + "/" + runsToDo + ": " + label(cell));
                    cells.add(runs.runCell(cell, ref, refOutput, bar));
                    ran++;
                }
            }
        }
        int outside = countOutsideGrid(cells);
        return new SweepResults(folder.root(), grid.settings(), model, machine, List.copyOf(cells),
                List.copyOf(references), ran, reused, outside, grid.warnings());
    }

    private List<Cell> pending(SweepGrid.Group g) {
        return g.cells().stream().filter(c -> folder.finishedCell(c, g.reference().id()).isEmpty()).toList();
    }

    private int countOutsideGrid(List<CellResult> inGrid) {
        Set<String> ids = new HashSet<>();
        inGrid.forEach(c -> ids.add(c.id()));
        return (int) folder.allFinishedCells().stream().filter(c -> !ids.contains(c.id())).count();
    }

    private static String label(Cell c) {
        return c.scheduler() + " " + c.steps() + " steps" + (c.loraStrength() == null ? ""
                : ", LoRA " + Cell.number(c.loraStrength())) + ", seed " + c.seed() + ", "
                + (c.guidance() == null ? "the model's guidance" : "guidance " + Cell.number(c.guidance()));
    }
}
