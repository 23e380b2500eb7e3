package dev.kino.bench.sweep;

import dev.kino.bench.io.FrameStrip;
import dev.kino.bench.measure.MachineInfo;
import dev.kino.bench.quality.QualityFigures;
import dev.kino.bench.quality.VideoQuality;
import dev.kino.denoise.StepListener;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.schedule.Scheduler;
import dev.kino.schedule.Schedulers;
import dev.kino.video.Mp4Writer;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

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
    /** Frames of each cell shown in the report's contact sheet. */
    static final int STRIP_FRAMES = 8;

    private final TextToVideoPipeline pipeline;
    private final SweepGrid grid;
    private final SweepFolder folder;
    private final CellResult.ModelInfo model;
    private final MachineInfo machine;
    private final int threads;
    private final int repeats;
    private final Map<String, Map<String, Object>> schedulerConfigs = new HashMap<>();

    private Sweep(TextToVideoPipeline pipeline, SweepGrid grid, SweepFolder folder, CellResult.ModelInfo model,
                  MachineInfo machine, int threads, int repeats) {
        this.pipeline = pipeline;
        this.grid = grid;
        this.folder = folder;
        this.model = model;
        this.machine = machine;
        this.threads = threads;
        this.repeats = repeats;
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
                    pipeline.provider().label(), spec.threads(), s.frames(), s.width(), s.height(), s.negativePrompt()));
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
                    + pipeline.provider().label() + "): " + runsToDo + " runs to do, the rest finished earlier in "
                    + folder.root());
        }
        int ran = 0;
        int reused = 0;
        List<CellResult> cells = new ArrayList<>();
        List<CellResult> references = new ArrayList<>();
        try (GridProgress bar = new GridProgress(progress, stepsToRun + (runsToDo > 0 ? 2 : 0))) {
            if (runsToDo > 0) {
                warmUp(bar);
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
                    GenerationResult r = runReference(g.reference(), bar);
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
                    cells.add(runCell(cell, ref, refOutput, bar));
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

    /**
     * One untimed 2-step generation and MP4 encode of the first cell's settings (2, not 1: schedules with
     * {@code shift_terminal}, such as LTX-Video's, cannot be planned for one step).
     */
    private void warmUp(GridProgress bar) {
        bar.starting("warm-up");
        Cell first = grid.cells().get(0);
        Cell warm = new Cell(first.prompt(), first.seed(), first.guidance(), first.scheduler(), 2);
        GenerationResult r = pipeline.generate(grid.request(warm), bar);
        Path temp = folder.root().resolve(".warm-up.mp4");
        Mp4Writer.write(r.frames(), r.settings().fps(), temp, 1);
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private GenerationResult runReference(Cell reference, StepListener bar) {
        Path dir = folder.referenceDir(reference);
        MeasuredRun m = MeasuredRun.of(pipeline, grid.request(reference), bar, dir.resolve(SweepFolder.VIDEO), repeats);
        GenerationResult r = m.result();
        folder.saveReferenceOutput(reference, r.frames(), r.latents());
        FrameStrip.write(dir.resolve(SweepFolder.STRIP), r.frames(), FrameStrip.evenlySpaced(r.frames().count(), STRIP_FRAMES));
        folder.writeResult(dir, record(reference, dir, m, null, null));
        return r;
    }

    private CellResult runCell(Cell cell, CellResult ref, SweepFolder.ReferenceOutput refOutput, StepListener bar) {
        Path dir = folder.cellDir(cell);
        MeasuredRun m = MeasuredRun.of(pipeline, grid.request(cell), bar, dir.resolve(SweepFolder.VIDEO), repeats);
        GenerationResult r = m.result();
        QualityFigures q = VideoQuality.compare(r.frames(), r.latents(), refOutput.frames(), refOutput.latents());
        FrameStrip.write(dir.resolve(SweepFolder.STRIP), r.frames(), FrameStrip.evenlySpaced(r.frames().count(), STRIP_FRAMES));
        CellResult result = record(cell, dir, m, new CellResult.Reference(ref.id(), ref.scheduler(), ref.steps()),
                CellResult.Quality.of(q));
        folder.writeResult(dir, result);
        return result;
    }

    private CellResult record(Cell cell, Path dir, MeasuredRun m, CellResult.Reference reference,
                              CellResult.Quality quality) {
        GenerationResult r = m.result();
        ResolvedSettings s = r.settings();
        CellResult.Video video = new CellResult.Video(r.frames().count(), r.frames().width(), r.frames().height(),
                s.fps(), folder.relative(dir.resolve(SweepFolder.STRIP)), folder.relative(dir.resolve(SweepFolder.VIDEO)));
        return new CellResult(CellResult.FORMAT, cell.id(), cell.prompt(), cell.promptId(), cell.seed(),
                s.guidance(), cell.scheduler(), schedulerConfig(cell.scheduler()), cell.steps(), reference, video,
                CellResult.Timings.of(r.timings(), repeats), CellResult.Memory.of(m.host(), m.gpu()), quality, model,
                machine, threads, Instant.now().toString());
    }

    /**
     * The diffusers config the engine builds the scheduler from: the model's own, or the model's carried over
     * to the named scheduler (as the engine's scheduler registry does it).
     */
    private Map<String, Object> schedulerConfig(String name) {
        return schedulerConfigs.computeIfAbsent(name, n -> {
            Map<String, Object> own = pipeline.modelPackage().manifest().scheduler().asMap();
            Scheduler s = n.equals(grid.modelScheduler()) ? Schedulers.fromConfig(own) : Schedulers.byName(n, own);
            return new TreeMap<>(s.config().asMap());
        });
    }

    private int countOutsideGrid(List<CellResult> inGrid) {
        Set<String> ids = new HashSet<>();
        inGrid.forEach(c -> ids.add(c.id()));
        return (int) folder.allFinishedCells().stream().filter(c -> !ids.contains(c.id())).count();
    }

    private static String label(Cell c) {
        return c.scheduler() + " " + c.steps() + " steps, seed " + c.seed() + ", "
                + (c.guidance() == null ? "the model's guidance" : "guidance " + Cell.number(c.guidance()));
    }
}
