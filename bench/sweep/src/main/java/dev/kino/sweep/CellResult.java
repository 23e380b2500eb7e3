package dev.kino.sweep;

import dev.kino.KinoException;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.StageTimings;
import dev.kino.sweep.measure.GpuMemory;
import dev.kino.sweep.measure.HostMemory;
import dev.kino.sweep.measure.MachineInfo;
import dev.kino.sweep.quality.QualityFigures;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything recorded about one finished run: written as {@code result.json} in the run's folder the moment it
 * finishes (that file is the run's "done" mark), and one row of {@code results.csv} / {@code results.json}.
 * Reference runs are stored the same way, without a reference or quality figures of their own.
 *
 * <p>JSON has no infinity, so a PSNR of +∞ (a video identical to the reference) is stored as
 * {@code psnr_db: null} with {@code identical_to_reference: true}; see {@link Quality}.
 *
 * @param format      version of this record's layout
 * @param id          the cell's folder name ({@link Cell#id()})
 * @param guidance    the guidance scale the run used, as the engine resolved it
 * @param schedulerConfig the diffusers config the scheduler was built from (the model's, carried over to a
 *                    named scheduler: keys the named class shares carry over, the name fixes the algorithm)
 * @param reference   the run this one is compared with; null for a reference run
 * @param video       the output's size and files, relative to the sweep folder
 * @param quality     figures against the reference; null for a reference run
 * @param model       the model package
 * @param machine     where and with what software the run was measured
 * @param onnxThreads ONNX Runtime intra-op threads asked for (0: its default)
 * @param finishedAt  ISO-8601 instant the run finished
 * @param loraStrength the strength every LoRA of the sweep was applied at; null: no LoRA (the reference, and
 *                    every cell of a sweep without LoRAs)
 * @param precision   the precision mode whose package rendered the run ({@code fp32}: the {@code --model} package);
 *                    null without a precision axis (and for references, which the fp32 package renders)
 * @param vsFp32      figures against the fp32 cell of the same prompt, seed, guidance, scheduler, steps and LoRA
 *                    strength; null for fp32 cells, references, and sweeps without a precision axis
 * @param expertSessions with a mixture's experts loaded one at a time ({@code --experts one}), the expert sessions
 *                    the timed run closed and opened, in order, as the engine reports them ({@code open 0},
 *                    {@code close 0}, {@code open 1}); empty with both resident or one denoiser
 */
public record CellResult(int format, String id, String prompt, String promptId, long seed, double guidance,
                         String scheduler, Map<String, Object> schedulerConfig, int steps, Reference reference,
                         Video video, Timings timings,
                         Memory memory, Quality quality, ModelInfo model, MachineInfo machine, int onnxThreads,
                         String finishedAt, Double loraStrength, String precision, Quality vsFp32,
                         List<String> expertSessions) {

    public static final int FORMAT = 1;

    public CellResult {
        expertSessions = expertSessions == null ? List.of() : List.copyOf(expertSessions);   // runs from before
    }

    /** True for a reference run (it has no reference and no quality figures). */
    public boolean referenceRun() {
        return reference == null;
    }

    /** The reference a cell is compared with. */
    public record Reference(String id, String scheduler, int steps) {
    }

    /** The decoded video and where its files are, relative to the sweep folder. */
    public record Video(int frames, int width, int height, int fps, String strip, String mp4) {
    }

    /**
     * Wall time per stage and the part of it inside ONNX Runtime's {@code run} calls; the rest is Kino's own
     * work (tokenizing, scheduler math, tensor copies) or, for MP4 encoding, FFmpeg's.
     *
     * @param stages       in pipeline order: tokenize, text encode, denoise, VAE decode, encode MP4
     * @param stepsMs      wall time of each denoising step (denoiser call plus scheduler update)
     * @param generationMs every stage but MP4 encoding: what {@code generate} took
     * @param totalMs      all stages, MP4 encoding included
     * @param repeats      runs timed; these figures are the run with the median generation time
     */
    public record Timings(List<Stage> stages, List<Double> stepsMs, double generationMs, double totalMs,
                          int repeats) {

        public static Timings of(StageTimings t, int repeats) {
            List<Stage> stages = new ArrayList<>();
            Map<String, Duration> onnx = t.onnx();
            double generation = 0;
            for (Map.Entry<String, Duration> e : t.wall().entrySet()) {
                Stage s = Stage.of(e.getKey(), e.getValue(), onnx.getOrDefault(e.getKey(), Duration.ZERO));
                stages.add(s);
                if (!e.getKey().equals(StageTimings.ENCODE_MP4)) {
                    generation += s.wallMs();
                }
            }
            List<Double> steps = t.steps().stream().map(Timings::ms).toList();
            return new Timings(List.copyOf(stages), steps, generation, ms(t.total()), repeats);
        }

        /** Wall time of a stage in ms, or NaN when the run has no such stage. */
        public double wallMs(String stage) {
            return stages.stream().filter(s -> s.name().equals(stage)).mapToDouble(Stage::wallMs).findFirst()
                    .orElse(Double.NaN);
        }

        /** ONNX Runtime time of a stage in ms, or NaN when the run has no such stage. */
        public double onnxMs(String stage) {
            return stages.stream().filter(s -> s.name().equals(stage)).mapToDouble(Stage::onnxMs).findFirst()
                    .orElse(Double.NaN);
        }

        public double meanStepMs() {
            return stepsMs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        /** Time inside ONNX Runtime over all stages. */
        public double onnxTotalMs() {
            return stages.stream().mapToDouble(Stage::onnxMs).sum();
        }

        static double ms(Duration d) {
            return d.toNanos() / 1e6;
        }
    }

    /** One stage's wall time, the part inside ONNX Runtime, and the rest. */
    public record Stage(String name, double wallMs, double onnxMs, double outsideOnnxMs) {
        static Stage of(String name, Duration wall, Duration onnx) {
            double w = Timings.ms(wall);
            double o = Timings.ms(onnx);
            return new Stage(name, w, o, w - o);
        }
    }

    /** Peak host memory and, on CUDA, GPU memory; each with how it was measured or why it is absent. */
    public record Memory(Long peakRssBytes, String peakRssMethod, Long gpuBytes, String gpuMethod) {
        public static Memory of(HostMemory.Reading host, GpuMemory.Reading gpu) {
            return new Memory(host.peakBytes(), host.method(), gpu.bytes(), gpu.method());
        }
    }

    /**
     * {@link QualityFigures} in a JSON-safe form: infinities and NaNs become null. {@code psnr_db} is null
     * exactly when {@code identical_to_reference} is true; in {@code psnr_frames_db} a null is an identical
     * frame; {@code temporal_*} are null for one-frame videos.
     */
    public record Quality(Double psnrDb, boolean identicalToReference, Double psnrMinDb, double psnrCeilingDb,
                          int identicalFrames, double ssim, double ssimMin, double latentRelativeL2,
                          double latentRmse, Double temporalDiff, Double temporalDiffReference,
                          Double temporalRatio, List<Double> psnrFramesDb, List<Double> ssimFrames) {

        public static Quality of(QualityFigures f) {
            return new Quality(finite(f.psnrMeanDb()), f.identicalToReference(), finite(f.psnrMinDb()),
                    f.psnrCeilingDb(), f.identicalFrames(), f.ssimMean(), f.ssimMin(), f.latentRelativeL2(),
                    f.latentRmse(), finite(f.temporalDiff()), finite(f.temporalDiffReference()),
                    finite(f.temporalRatio()), f.psnrPerFrame().stream().map(Quality::finite).toList(),
                    f.ssimPerFrame());
        }

        /** Mean PSNR in dB, {@code +∞} when identical to the reference. */
        public double psnr() {
            return identicalToReference ? Double.POSITIVE_INFINITY : psnrDb;
        }

        private static Double finite(double v) {
            return Double.isFinite(v) ? v : null;
        }
    }

    /**
     * The model package a run used.
     *
     * @param fingerprint     SHA-256 over kino.json and the name and size of every file in the package
     * @param schedulerConfig the model's diffusers scheduler config; a named scheduler is built from it (keys
     *                        the named class shares carry over, the name fixes the algorithm)
     */
    public record ModelInfo(String name, String dir, String fingerprint, Map<String, Object> schedulerConfig) {

        public static ModelInfo of(ModelPackage pkg) {
            return new ModelInfo(pkg.manifest().name(), pkg.dir().toString(), fingerprint(pkg.dir()),
                    pkg.manifest().scheduler().asMap());
        }

        /** Cheap enough for multi-gigabyte packages: the manifest's bytes, other files by name and size. */
        static String fingerprint(Path dir) {
            try (Stream<Path> files = Files.list(dir)) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(Files.readAllBytes(dir.resolve("kino.json")));
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    md.update((f.getFileName() + "\0" + Files.size(f) + "\n").getBytes(StandardCharsets.UTF_8));
                }
                return HexFormat.of().formatHex(md.digest());
            } catch (IOException e) {
                throw new KinoException("Could not read the model package " + dir + ": " + e.getMessage() + ".", e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime has SHA-256", e);
            }
        }
    }
}
