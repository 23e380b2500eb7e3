package dev.kino.sweep;

import dev.kino.KinoException;
import dev.kino.sweep.io.BenchJson;
import dev.kino.sweep.io.FrameStrip;
import dev.kino.sweep.io.NpyFile;
import dev.kino.tensor.FloatTensor;
import dev.kino.video.VideoFrames;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The {@code --out} folder of a sweep, which is also its memory between runs:
 * <pre>
 *   sweep.json                       what all cells share (checked on every re-run)
 *   reference/ID/result.json         a reference run: timings, settings ("done" mark, written last)
 *   reference/ID/frames.png          every decoded frame, lossless (the reference for PSNR/SSIM)
 *   reference/ID/latents.npy         final latents (the reference for the latent distance)
 *   cells/ID/result.json             a finished cell ("done" mark, written last)
 *   cells/ID/strip.png, video.mp4    its contact-sheet frames and its video
 *   cells/ID/frames.png, latents.npy an fp32 cell of a precision sweep: what the other modes are compared with
 *   results.csv, results.json, charts/, report.html   rebuilt from every finished cell at the end
 * </pre>
 * Every file is written atomically, and a run's {@code result.json} only after its other files, so a run
 * killed at any point keeps every cell that finished and redoes only the one that did not.
 */
public final class SweepFolder {
    static final String IDENTITY = "sweep.json";
    static final String RESULT = "result.json";
    static final String FRAMES = "frames.png";
    static final String LATENTS = "latents.npy";
    static final String STRIP = "strip.png";
    static final String VIDEO = "video.mp4";

    private final Path root;

    private SweepFolder(Path root) {
        this.root = root;
    }

    /**
     * Opens {@code out} for a sweep with {@code identity}: creates it, or resumes it when it holds a sweep of
     * the same identity.
     *
     * @throws KinoException when the folder holds a different sweep or unrelated files
     */
    public static SweepFolder open(Path out, SweepIdentity identity) {
        Path root = checkUsable(out);
        Path marker = root.resolve(IDENTITY);
        try {
            if (Files.isRegularFile(marker)) {
                SweepIdentity existing = BenchJson.read(marker, SweepIdentity.class);
                List<String> diff = existing.differences(identity);
                if (!diff.isEmpty()) {
                    throw new KinoException("The folder " + root + " holds a sweep of another setup, so its cells cannot"
                            + " be reused (this run has " + String.join("; ", diff) + "); choose a new --out folder.");
                }
                SweepIdentity merged = existing.withModesOf(identity);
                if (!merged.equals(existing)) {
                    BenchJson.write(marker, merged);   // a precision mode added to the folder's sweep
                }
            }
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new KinoException("Could not use the folder " + root + ": " + e.getMessage()
                    + "; check that it is writable.", e);
        }
        if (!Files.isRegularFile(marker)) {
            BenchJson.write(marker, identity);
        }
        return new SweepFolder(root);
    }

    /**
     * Checks, before any model is loaded, that {@code out} is new, empty or an earlier sweep's folder; returns
     * its absolute path.
     *
     * @throws KinoException when it is a file or a folder of other files
     */
    public static Path checkUsable(Path out) {
        Path root = out.toAbsolutePath().normalize();
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new KinoException("--out " + root + " is a file; give a folder for the sweep's results.");
        }
        try {
            if (Files.isDirectory(root) && !Files.isRegularFile(root.resolve(IDENTITY)) && !isEmpty(root)) {
                throw new KinoException("The folder " + root + " is not empty and holds no sweep; choose a new or empty"
                        + " --out folder so that no files of yours are mixed with the sweep's.");
            }
        } catch (IOException e) {
            throw new KinoException("Could not read the folder " + root + ": " + e.getMessage() + ".", e);
        }
        return root;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    public Path root() {
        return root;
    }

    public Path cellDir(Cell cell) {
        return root.resolve("cells").resolve(cell.id());
    }

    public Path referenceDir(Cell reference) {
        return root.resolve("reference").resolve(reference.id());
    }

    /** A path inside the folder as the report links it: relative, with forward slashes. */
    public String relative(Path file) {
        return root.relativize(file.toAbsolutePath().normalize()).toString().replace('\\', '/');
    }

    /** The cell's stored result, if it finished against {@code referenceId} (another reference means redo). */
    public Optional<CellResult> finishedCell(Cell cell, String referenceId) {
        return readResult(cellDir(cell)).filter(r -> r.reference() != null && r.reference().id().equals(referenceId)
                && r.id().equals(cell.id()));
    }

    /** The stored reference run, if it finished and its frames and latents are there. */
    public Optional<CellResult> finishedReference(Cell reference) {
        Path dir = referenceDir(reference);
        if (!Files.isRegularFile(dir.resolve(FRAMES)) || !Files.isRegularFile(dir.resolve(LATENTS))) {
            return Optional.empty();
        }
        return readResult(dir).filter(r -> r.id().equals(reference.id()));
    }

    public void writeResult(Path dir, CellResult result) {
        BenchJson.write(dir.resolve(RESULT), result);
    }

    /** Caches a reference's decoded frames (lossless) and final latents; write before its result. */
    public void saveReferenceOutput(Cell reference, VideoFrames frames, FloatTensor latents) {
        saveOutput(referenceDir(reference), frames, latents);
    }

    /** Caches an fp32 cell's frames and latents for the other precision modes; write before its result. */
    public void saveCellOutput(Cell cell, VideoFrames frames, FloatTensor latents) {
        saveOutput(cellDir(cell), frames, latents);
    }

    private static void saveOutput(Path dir, VideoFrames frames, FloatTensor latents) {
        int[] all = FrameStrip.evenlySpaced(frames.count(), frames.count());
        FrameStrip.write(dir.resolve(FRAMES), frames, all);
        NpyFile.write(dir.resolve(LATENTS), latents);
    }

    /** A cached run's frames and latents: what a cell is compared with. */
    public record ReferenceOutput(VideoFrames frames, FloatTensor latents) {
    }

    public ReferenceOutput loadReferenceOutput(CellResult reference) {
        return loadOutput(root.resolve("reference").resolve(reference.id()), reference, "reference");
    }

    /** The cached frames and latents of a finished fp32 cell of a precision sweep. */
    public ReferenceOutput loadCellOutput(CellResult fp32Cell) {
        return loadOutput(root.resolve("cells").resolve(fp32Cell.id()), fp32Cell, "fp32 cell");
    }

    private static ReferenceOutput loadOutput(Path dir, CellResult run, String what) {
        try {
            return new ReferenceOutput(FrameStrip.read(dir.resolve(FRAMES), run.video().frames()),
                    NpyFile.read(dir.resolve(LATENTS)));
        } catch (IOException e) {
            throw new KinoException("The cached " + what + " in " + dir + " cannot be read (" + e.getMessage()
                    + "); delete that folder and run the sweep again to recompute it.", e);
        }
    }

    /** Every finished cell in the folder, including cells of earlier grids. */
    public List<CellResult> allFinishedCells() {
        Path cells = root.resolve("cells");
        List<CellResult> found = new ArrayList<>();
        if (!Files.isDirectory(cells)) {
            return found;
        }
        try (Stream<Path> dirs = Files.list(cells)) {
            for (Path dir : dirs.sorted().toList()) {
                readResult(dir).ifPresent(found::add);
            }
        } catch (IOException e) {
            throw new KinoException("Could not list " + cells + ": " + e.getMessage() + ".", e);
        }
        return found;
    }

    /** A result.json that parses; an unreadable one counts as unfinished (the run is redone and overwrites it). */
    private static Optional<CellResult> readResult(Path dir) {
        Path file = dir.resolve(RESULT);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            CellResult r = BenchJson.read(file, CellResult.class);
            return r.format() == CellResult.FORMAT ? Optional.of(r) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
