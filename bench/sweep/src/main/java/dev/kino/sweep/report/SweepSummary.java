package dev.kino.sweep.report;

import dev.kino.pipeline.StageTimings;
import dev.kino.sweep.CellResult;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The grid folded over prompts and seeds: one point per scheduler, guidance, LoRA strength, precision mode and step count, with the mean of
 * each figure over the cells it stands for. Charts, the report's table and "best under a budget" use these.
 */
public final class SweepSummary {

    /**
     * One sampler setting, averaged over its cells.
     *
     * @param psnrDb       mean PSNR; cells identical to the reference count at their PSNR ceiling, and the
     *                     mean is +∞ only when every cell is identical
     * @param generationMs mean wall time of generate (tokenize to VAE decode; MP4 encoding excluded)
     * @param stepMs       mean wall time of one denoising step
     * @param onnxStepMs   of which inside ONNX Runtime (the denoise stage's ONNX time over its steps)
     * @param kinoStepMs   of which Kino's own work: scheduler math, copies, the guidance combine
     * @param loraStrength the LoRAs' strength; null: no LoRA
     * @param precision    the precision mode; null: no precision axis
     * @param vsFp32       a mode's figures against the fp32 cells of the same settings; null for fp32 and without
     *                     a precision axis
     */
    public record Point(String scheduler, double guidance, int steps, int runs, double psnrDb, double ssim,
                        double latentRelativeL2, double temporalRatio, double generationMs, double stepMs,
                        double onnxStepMs, double kinoStepMs,
                        Double loraStrength, String precision, VsFp32 vsFp32) {

        /** Point without a precision axis. */
        public Point(String scheduler, double guidance, int steps, int runs, double psnrDb, double ssim,
                     double latentRelativeL2, double temporalRatio, double generationMs, double stepMs,
                     double onnxStepMs, double kinoStepMs, Double loraStrength) {
            this(scheduler, guidance, steps, runs, psnrDb, ssim, latentRelativeL2, temporalRatio, generationMs, stepMs,
                    onnxStepMs, kinoStepMs, loraStrength, null, null);
        }

        public boolean identicalToReference() {
            return Double.isInfinite(psnrDb);
        }
    }

    /**
     * A precision mode against fp32, averaged like the point: mean PSNR (a video identical to fp32's counts at its
     * ceiling; +∞ only when all are identical), mean SSIM and mean latent distance {@code ‖mode − fp32‖ / ‖fp32‖}.
     */
    public record VsFp32(double psnrDb, double ssim, double latentRelativeL2) {
    }

    private SweepSummary() {
    }

    /** Points in the order the grid lists schedulers and guidance, steps ascending. */
    public static List<Point> of(List<CellResult> cells) {
        Map<String, List<CellResult>> groups = new LinkedHashMap<>();
        for (CellResult c : cells) {
            if (c.quality() != null) {
                groups.computeIfAbsent(c.scheduler() + "\u0000" + c.guidance() + "\u0000" + c.loraStrength() + "\u0000" + c.precision()
                        + "\u0000" + c.steps(),
                        k -> new ArrayList<>()).add(c);
            }
        }
        List<Point> points = new ArrayList<>();
        for (List<CellResult> g : groups.values()) {
            points.add(point(g));
        }
        List<String> order = points.stream().map(SweepSummary::setting).distinct().toList();
        points.sort(Comparator.comparingInt((Point p) -> order.indexOf(setting(p)))
                .thenComparingInt(Point::steps));
        return points;
    }

    private static Point point(List<CellResult> g) {
        CellResult first = g.get(0);
        boolean allIdentical = g.stream().allMatch(c -> c.quality().identicalToReference());
        double psnr = allIdentical ? Double.POSITIVE_INFINITY : mean(g, c -> c.quality().identicalToReference()
                ? c.quality().psnrCeilingDb() : c.quality().psnrDb());
        double denoiseOnnx = mean(g, c -> c.timings().onnxMs(StageTimings.DENOISE) / c.steps());
        double denoiseWall = mean(g, c -> c.timings().wallMs(StageTimings.DENOISE) / c.steps());
        return new Point(first.scheduler(), first.guidance(), first.steps(), g.size(), psnr,
                mean(g, c -> c.quality().ssim()), mean(g, c -> c.quality().latentRelativeL2()),
                mean(g, c -> c.quality().temporalRatio() == null ? Double.NaN : c.quality().temporalRatio()),
                mean(g, c -> c.timings().generationMs()), mean(g, c -> c.timings().meanStepMs()),
                denoiseOnnx, denoiseWall - denoiseOnnx, first.loraStrength(), first.precision(), vsFp32(g));
    }

    private static VsFp32 vsFp32(List<CellResult> g) {
        if (g.stream().anyMatch(c -> c.vsFp32() == null)) {
            return null;
        }
        boolean allIdentical = g.stream().allMatch(c -> c.vsFp32().identicalToReference());
        double psnr = allIdentical ? Double.POSITIVE_INFINITY : mean(g, c -> c.vsFp32().identicalToReference()
                ? c.vsFp32().psnrCeilingDb() : c.vsFp32().psnrDb());
        return new VsFp32(psnr, mean(g, c -> c.vsFp32().ssim()), mean(g, c -> c.vsFp32().latentRelativeL2()));
    }

    private static String setting(Point p) {
        return p.scheduler() + "\u0000" + p.guidance() + "\u0000" + p.loraStrength() + "\u0000" + p.precision();
    }

    private static double mean(List<CellResult> cells, java.util.function.ToDoubleFunction<CellResult> f) {
        return cells.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    /**
     * The series a point belongs to in charts: the scheduler, plus the guidance when the grid has several, plus
     * the LoRA strength in a sweep with LoRAs, plus the precision mode in a sweep with a precision axis.
     */
    public static String series(Point p, boolean severalGuidance) {
        return (severalGuidance ? p.scheduler() + " g=" + trim(p.guidance()) : p.scheduler())
                + (p.loraStrength() == null ? "" : " LoRA " + trim(p.loraStrength()))
                + (p.precision() == null ? "" : " " + p.precision());
    }

    public static boolean severalGuidance(List<Point> points) {
        return points.stream().map(Point::guidance).distinct().count() > 1;
    }

    /**
     * The points no other point beats on both time and PSNR: sorted by generation time, each better in PSNR
     * than every faster one. These are the only settings worth choosing.
     */
    public static List<Point> paretoFront(List<Point> points) {
        List<Point> byTime = new ArrayList<>(points);
        byTime.sort(Comparator.comparingDouble(Point::generationMs).thenComparing(p -> -p.psnrDb()));
        List<Point> front = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (Point p : byTime) {
            if (p.psnrDb() > best) {
                front.add(p);
                best = p.psnrDb();
            }
        }
        return front;
    }

    /** The highest-PSNR point whose mean generation time fits {@code budgetMs}, if any does. */
    public static Optional<Point> bestWithin(List<Point> points, double budgetMs) {
        return points.stream().filter(p -> p.generationMs() <= budgetMs)
                .max(Comparator.comparingDouble(Point::psnrDb).thenComparing(p -> -p.generationMs()));
    }

    static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
