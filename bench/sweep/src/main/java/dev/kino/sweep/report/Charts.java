package dev.kino.sweep.report;

import dev.kino.KinoException;
import dev.kino.sweep.io.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.StandardXYItemLabelGenerator;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The sweep's charts as PNG files, drawn headless with JFreeChart: quality against steps per scheduler,
 * time per step split into ONNX Runtime and Kino's own code, and quality against wall time (the Pareto view).
 */
public final class Charts {
    static final int WIDTH = 900;
    static final int HEIGHT = 560;

    /** The chart files, by what they show; names are relative to the sweep folder. */
    public static final String PSNR = "charts/psnr_vs_steps.png";
    public static final String SSIM = "charts/ssim_vs_steps.png";
    public static final String STEP_TIME = "charts/time_per_step.png";
    public static final String PARETO = "charts/psnr_vs_time.png";

    /** Colour-blind-friendly, distinct on white (Okabe–Ito and Tableau hues, no pale yellow). */
    private static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73),
        new Color(0xD55E00), new Color(0xCC79A7), new Color(0x56B4E9), new Color(0x8C564B), new Color(0x7F7F7F),
        new Color(0xBCBD22), new Color(0x000000)};

    private Charts() {
    }

    /** Writes every chart into {@code folder}; returns their paths relative to it. */
    public static List<String> write(Path folder, List<SweepSummary.Point> points, String subtitle) {
        System.setProperty("java.awt.headless", "true");
        try {
            boolean several = SweepSummary.severalGuidance(points);
            save(folder.resolve(PSNR), versusSteps("PSNR against the reference by steps", "PSNR (dB, higher is closer)",
                    points, several, SweepSummary.Point::psnrDb, subtitle));
            save(folder.resolve(SSIM), versusSteps("SSIM against the reference by steps", "SSIM (1 = identical)",
                    points, several, SweepSummary.Point::ssim, subtitle));
            save(folder.resolve(STEP_TIME), timePerStep(points, several, subtitle));
            save(folder.resolve(PARETO), pareto(points, several, subtitle));
            return List.of(PSNR, SSIM, STEP_TIME, PARETO);
        } catch (InternalError | UnsatisfiedLinkError e) {
            // Java's font manager fails this way on machines without any font installed.
            throw new KinoException("Could not draw the charts (" + e.getMessage() + "); install fontconfig and a"
                    + " font, e.g. apt-get install fontconfig fonts-dejavu-core.", e);
        }
    }

    private static JFreeChart versusSteps(String title, String yLabel, List<SweepSummary.Point> points,
                                          boolean several, ToDoubleFunction<SweepSummary.Point> value, String subtitle) {
        XYSeriesCollection data = new XYSeriesCollection();
        Map<String, XYSeries> series = new LinkedHashMap<>();
        int skipped = 0;
        for (SweepSummary.Point p : points) {
            double v = value.applyAsDouble(p);
            if (!Double.isFinite(v)) {
                skipped++;
                continue;
            }
            series.computeIfAbsent(SweepSummary.series(p, several), XYSeries::new).add(p.steps(), v);
        }
        series.values().forEach(data::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "denoising steps (log scale)", yLabel, data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setDomainAxis(stepsAxis());
        plot.setRenderer(lines(0));
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        style(chart, subtitle + (skipped > 0 ? "; " + skipped + " point(s) identical to the reference (PSNR = ∞) not drawn" : ""));
        return chart;
    }

    private static JFreeChart timePerStep(List<SweepSummary.Point> points, boolean several, String subtitle) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (SweepSummary.Point p : points) {
            double[] s = sums.computeIfAbsent(SweepSummary.series(p, several), k -> new double[3]);
            s[0] += p.onnxStepMs();
            s[1] += p.kinoStepMs();
            s[2]++;
        }
        for (Map.Entry<String, double[]> e : sums.entrySet()) {
            double[] s = e.getValue();
            data.addValue(s[0] / s[2], "inside ONNX Runtime (denoiser)", e.getKey());
            data.addValue(s[1] / s[2], "Kino's own code (scheduler, guidance, copies)", e.getKey());
        }
        JFreeChart chart = ChartFactory.createStackedBarChart("Wall time per denoising step", "scheduler",
                "ms per step (mean over the scheduler's cells)", data, PlotOrientation.VERTICAL, true, false, false);
        BarRenderer bars = (BarRenderer) chart.getCategoryPlot().getRenderer();
        bars.setMaximumBarWidth(0.12);
        bars.setSeriesPaint(0, PALETTE[3]);
        bars.setSeriesPaint(1, PALETTE[0]);
        style(chart, subtitle);
        return chart;
    }

    private static JFreeChart pareto(List<SweepSummary.Point> points, boolean several, String subtitle) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeries front = new XYSeries("Pareto front", true, true);
        for (SweepSummary.Point p : SweepSummary.paretoFront(points)) {
            if (Double.isFinite(p.psnrDb())) {
                front.add(p.generationMs() / 1000, p.psnrDb());
            }
        }
        data.addSeries(front);
        Map<String, XYSeries> series = new LinkedHashMap<>();
        for (SweepSummary.Point p : points) {
            if (Double.isFinite(p.psnrDb())) {
                series.computeIfAbsent(SweepSummary.series(p, several), k -> new XYSeries(k, false, true))
                        .add(p.generationMs() / 1000, p.psnrDb());
            }
        }
        series.values().forEach(data::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart("PSNR against generation time (the Pareto view)",
                "generation wall time per video (s, mean; MP4 encoding excluded)", "PSNR (dB, higher is closer)", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = lines(1);
        r.setSeriesPaint(0, new Color(0, 0, 0, 60));
        r.setSeriesStroke(0, new BasicStroke(6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        r.setSeriesShapesVisible(0, false);
        // label each scheduler's points with their step count
        r.setDefaultItemLabelGenerator(new StandardXYItemLabelGenerator("{1}", new DecimalFormat("0.00"),
                new DecimalFormat("0.0")) {
            @Override
            public String generateLabel(org.jfree.data.xy.XYDataset dataset, int s, int item) {
                return s == 0 ? null : stepsAt(points, several, dataset.getSeriesKey(s).toString(), item);
            }
        });
        r.setDefaultItemLabelsVisible(true);
        plot.setRenderer(r);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        style(chart, subtitle + "; labels: steps; up and left is better");
        return chart;
    }

    /** The step count of the {@code item}-th finite point of a series, as the series was filled. */
    private static String stepsAt(List<SweepSummary.Point> points, boolean several, String seriesKey, int item) {
        List<SweepSummary.Point> inSeries = points.stream()
                .filter(p -> Double.isFinite(p.psnrDb()) && SweepSummary.series(p, several).equals(seriesKey)).toList();
        return item < inSeries.size() ? Integer.toString(inSeries.get(item).steps()) : null;
    }

    private static LogAxis stepsAxis() {
        LogAxis axis = new LogAxis("denoising steps (log scale)");
        axis.setBase(2);
        axis.setSmallestValue(1);
        axis.setTickUnit(new NumberTickUnit(1));
        axis.setNumberFormatOverride(new DecimalFormat("0"));
        return axis;
    }

    /** Lines with markers; series from {@code first} on take the palette's colours in order. */
    private static XYLineAndShapeRenderer lines(int first) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < 40; i++) {
            r.setSeriesPaint(first + i, PALETTE[i % PALETTE.length]);
        }
        r.setAutoPopulateSeriesStroke(false);
        r.setDefaultStroke(new BasicStroke(2f));
        return r;
    }

    private static void style(JFreeChart chart, String subtitle) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(Color.WHITE);
        if (chart.getPlot() instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(new Color(220, 220, 220));
            xy.setRangeGridlinePaint(new Color(220, 220, 220));
        } else if (chart.getPlot() instanceof org.jfree.chart.plot.CategoryPlot cat) {
            cat.setRangeGridlinePaint(new Color(220, 220, 220));
        }
        chart.addSubtitle(new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
    }

    private static void save(Path target, JFreeChart chart) {
        AtomicFiles.write(target, temp -> ChartUtils.saveChartAsPNG(temp.toFile(), chart, WIDTH, HEIGHT));
    }
}
