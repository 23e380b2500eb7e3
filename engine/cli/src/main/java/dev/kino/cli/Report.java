package dev.kino.cli;

import dev.kino.KinoException;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.StageTimings;
import dev.kino.shots.TakeVideo;
import dev.kino.video.Mp4Writer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** What a finished run prints: where the output went and the time of each stage. */
final class Report {
    private Report() {
    }

    static void print(PrintWriter out, Mp4Writer.Written w, GenerationResult r, int scale, Path framesDir,
                      dev.kino.video.PngFrameWriter.Written frames) {
        String size = r.frames().width() + "x" + r.frames().height()
                + (scale > 1 ? " (upscaled " + scale + "x with Lanczos to " + w.width() + "x" + w.height() + ")" : "");
        out.println("Wrote " + w.path() + " — " + w.frames() + " frames, " + size + ", " + w.fps() + " fps, H.264 ("
                + w.encoder() + "), " + kilobytes(w.bytes()));
        if (framesDir != null) {
            out.println("Wrote " + r.frames().count() + " PNG frames to " + framesDir.toAbsolutePath().normalize());
            if (frames != null && !frames.removedEarlier().isEmpty()) {
                out.println("Removed " + frames.removedEarlier().size() + " frames of an earlier run there ("
                        + frames.removedEarlier().get(0).getFileName() + " to "
                        + frames.removedEarlier().get(frames.removedEarlier().size() - 1).getFileName()
                        + "); frames up to " + String.format("frame_%04d.png", r.frames().count() - 1) + " were replaced");
            }
        }
        StageTimings t = r.timings();
        for (Map.Entry<String, Duration> e : t.wall().entrySet()) {
            String extra = "";
            if (e.getKey().equals(StageTimings.DENOISE) && !t.steps().isEmpty()) {
                extra = "  (" + t.steps().size() + " steps, " + format(t.meanStep()) + "/step)";
            }
            out.printf("  %-12s %9s%s%n", e.getKey(), format(e.getValue()), extra);
        }
        out.printf("  %-12s %9s%n", "total", format(t.total()));
    }

    static String format(Duration d) {
        double ms = d.toNanos() / 1e6;
        if (ms < 10) {
            return String.format("%.1f ms", ms);
        }
        if (ms < 1000) {
            return String.format("%.0f ms", ms);
        }
        return String.format("%.2f s", ms / 1000);
    }

    private static String kilobytes(long bytes) {
        return bytes < 1024 * 1024 ? String.format("%.1f KB", bytes / 1024.0) : String.format("%.1f MB", bytes / 1048576.0);
    }

    /**
     * {@code auto}: the smallest factor that brings the shorter side to at least 256 px (at most 8, and never
     * past what H.264 can hold); else N. Checks the resulting MP4 size against the encoder's limits, so a size
     * the encoder would refuse fails before rendering, not after.
     */
    static int upscaleFactor(String spec, int width, int height) {
        int factor;
        if (spec.equals("auto")) {
            factor = TakeVideo.viewingScale(width, height);
        } else {
            factor = parse(spec);
        }
        String problem = Mp4Writer.sizeProblem((long) width * factor, (long) height * factor);
        if (problem != null) {
            if (factor == 1) {
                throw new KinoException(problem + "; choose another --width/--height.");
            }
            int max = Mp4Writer.maxUpscale(width, height);
            throw new KinoException(problem + " with --upscale " + factor + "; use --upscale "
                    + (Mp4Writer.sizeProblem(width, height) == null ? "from 1 to " + max : "1 and another size") + ".");
        }
        return factor;
    }

    private static int parse(String spec) {
        try {
            int n = Integer.parseInt(spec);
            if (n >= 1 && n <= 16) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new KinoException("--upscale must be auto or a whole number from 1 to 16, but " + spec + " was given.");
    }
}
