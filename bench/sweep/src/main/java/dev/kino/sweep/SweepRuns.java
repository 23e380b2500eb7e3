package dev.kino.sweep;

import dev.kino.denoise.StepListener;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.schedule.Scheduler;
import dev.kino.schedule.Schedulers;
import dev.kino.sweep.io.FrameStrip;
import dev.kino.sweep.measure.MachineInfo;
import dev.kino.sweep.quality.QualityFigures;
import dev.kino.sweep.quality.VideoQuality;
import dev.kino.video.Mp4Writer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runs of a sweep, one at a time, each measured and written into the sweep's folder as it finishes: a
 * reference, or a cell compared with its reference. {@link Sweep} runs them in one process; the Spark sweep
 * ({@code dev.kino.spark.SweepJob}) runs each as a task on an executor holding the model, writing the same files.
 */
public final class SweepRuns {
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

    /**
     * @param threads ONNX Runtime threads the pipeline was loaded with (recorded with every run)
     * @param repeats times each run is timed (the median run is kept)
     */
    public SweepRuns(TextToVideoPipeline pipeline, SweepGrid grid, SweepFolder folder, CellResult.ModelInfo model,
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
     * One untimed 2-step generation and MP4 encode of the first cell's settings, so that the first measured run
     * does not pay for ONNX Runtime's first-run allocations, the JIT, or FFmpeg's start (2 steps, not 1:
     * schedules with {@code shift_terminal}, such as LTX-Video's, cannot be planned for one step).
     */
    public void warmUp(StepListener listener) {
        Cell first = grid.cells().get(0);
        Cell warm = new Cell(first.prompt(), first.seed(), first.guidance(), first.scheduler(), 2);
        GenerationResult r = pipeline.generate(grid.request(warm), listener);
        try {
            Path temp = Files.createTempFile(folder.root(), ".warm-up-", ".mp4");
            Mp4Writer.write(r.frames(), r.settings().fps(), temp, 1);
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code reference} and stores its frames, latents and result in the folder. */
    public GenerationResult runReference(Cell reference, StepListener listener) {
        Path dir = folder.referenceDir(reference);
        MeasuredRun m = MeasuredRun.of(pipeline, grid.request(reference), listener, dir.resolve(SweepFolder.VIDEO), repeats);
        GenerationResult r = m.result();
        folder.saveReferenceOutput(reference, r.frames(), r.latents());
        FrameStrip.write(dir.resolve(SweepFolder.STRIP), r.frames(), FrameStrip.evenlySpaced(r.frames().count(), STRIP_FRAMES));
        folder.writeResult(dir, record(reference, dir, m, null, null, null));
        return r;
    }

    /** Runs {@code cell}, compares it with its reference's output, and stores its files and result. */
    public CellResult runCell(Cell cell, CellResult ref, SweepFolder.ReferenceOutput refOutput, StepListener listener) {
        return runCell(cell, ref, refOutput, null, listener);
    }

    /**
     * As {@link #runCell(Cell, CellResult, SweepFolder.ReferenceOutput, StepListener)}, and for a cell of a precision
     * mode, also compared with {@code fp32} (the fp32 cell's output; null otherwise). An fp32 cell of a precision
     * sweep keeps its frames and latents for the other modes.
     */
    public CellResult runCell(Cell cell, CellResult ref, SweepFolder.ReferenceOutput refOutput,
                              SweepFolder.ReferenceOutput fp32, StepListener listener) {
        Path dir = folder.cellDir(cell);
        MeasuredRun m = MeasuredRun.of(pipeline, grid.request(cell), listener, dir.resolve(SweepFolder.VIDEO), repeats);
        GenerationResult r = m.result();
        QualityFigures q = VideoQuality.compare(r.frames(), r.latents(), refOutput.frames(), refOutput.latents());
        CellResult.Quality vsFp32 = fp32 == null ? null
                : CellResult.Quality.of(VideoQuality.compare(r.frames(), r.latents(), fp32.frames(), fp32.latents()));
        FrameStrip.write(dir.resolve(SweepFolder.STRIP), r.frames(), FrameStrip.evenlySpaced(r.frames().count(), STRIP_FRAMES));
        if (PrecisionAxis.FP32.equals(cell.precision())) {
            folder.saveCellOutput(cell, r.frames(), r.latents());
        }
        CellResult result = record(cell, dir, m, new CellResult.Reference(ref.id(), ref.scheduler(), ref.steps()),
                CellResult.Quality.of(q), vsFp32);
        folder.writeResult(dir, result);
        return result;
    }

    private CellResult record(Cell cell, Path dir, MeasuredRun m, CellResult.Reference reference,
                              CellResult.Quality quality, CellResult.Quality vsFp32) {
        GenerationResult r = m.result();
        ResolvedSettings s = r.settings();
        CellResult.Video video = new CellResult.Video(r.frames().count(), r.frames().width(), r.frames().height(),
                s.fps(), folder.relative(dir.resolve(SweepFolder.STRIP)), folder.relative(dir.resolve(SweepFolder.VIDEO)));
        return new CellResult(CellResult.FORMAT, cell.id(), cell.prompt(), cell.promptId(), cell.seed(),
                s.guidance(), cell.scheduler(), schedulerConfig(cell.scheduler()), cell.steps(), reference, video,
                CellResult.Timings.of(r.timings(), repeats), CellResult.Memory.of(m.host(), m.gpu()), quality, model,
                machine, threads, Instant.now().toString(), cell.loraStrength(), cell.precision(), vsFp32,
                r.expertSessions());
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
}
