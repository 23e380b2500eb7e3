package dev.kino.sweep.report;

import dev.kino.sweep.Cell;
import dev.kino.sweep.CellResult;
import dev.kino.sweep.SweepResults;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes a sweep's results.csv, results.json, charts and report.html into its folder, from every finished run, and
 * prints the summary that {@code kino bench sweep} and the Spark sweep both show.
 */
public final class SweepReport {

    /** What was written, as absolute paths. */
    public record Written(Path csv, Path json, List<Path> charts, Path html) {
    }

    private SweepReport() {
    }

    /** @param command the command line that reproduces the sweep, shown in the report; null to omit */
    public static Written write(SweepResults results, String command) {
        Path folder = results.folder();
        List<CellResult> rows = ResultsJson.rows(results);
        Path csv = folder.resolve("results.csv");
        ResultsCsv.write(csv, rows);
        Path json = folder.resolve("results.json");
        ResultsJson.write(json, results, command);
        List<SweepSummary.Point> points = SweepSummary.of(results.cells());
        List<String> charts = Charts.write(folder, points, subtitle(results));
        Path html = folder.resolve("report.html");
        HtmlReport.write(html, results, charts, command);
        return new Written(csv, json, charts.stream().map(folder::resolve).toList(), html);
    }

    /** The summary both sweeps print: runs, the figures of every cell, the Pareto front, the files written. */
    public static void printSummary(PrintStream out, SweepResults r, Written w) {
        out.println("Ran " + r.ran() + " runs, reused " + r.reused() + " finished earlier; " + r.cells().size()
                + " cells against " + r.references().size() + " reference(s).");
        if (r.outsideGrid() > 0) {
            out.println(r.outsideGrid() + " finished cells in the folder are not in this grid and are left out of the report.");
        }
        List<SweepSummary.Point> points = SweepSummary.of(r.cells());
        List<SweepSummary.Point> front = SweepSummary.paretoFront(points);
        boolean lora = points.stream().anyMatch(p -> p.loraStrength() != null);
        boolean precision = points.stream().anyMatch(p -> p.precision() != null);
        out.printf(Locale.ROOT, "  %-18s %8s%s%s %5s %9s %7s %11s %9s%s%n", "scheduler", "guidance", lora ? "     LoRA" : "",
                precision ? " precision" : "", "steps", "PSNR dB", "SSIM", "generation", "ms/step",
                precision ? "   vs fp32: PSNR dB    SSIM latent dist" : "");
        for (SweepSummary.Point p : points) {
            out.printf(Locale.ROOT, "  %-18s %8s%s%s %5d %9s %7.4f %9.0f ms %9.1f%s%s%n", p.scheduler(),
                    Cell.number(p.guidance()), lora ? String.format(Locale.ROOT, " %8s", Cell.number(p.loraStrength())) : "",
                    precision ? String.format(Locale.ROOT, " %9s", p.precision()) : "",
                    p.steps(), p.identicalToReference() ? "inf" : String.format(Locale.ROOT, "%.2f", p.psnrDb()),
                    p.ssim(), p.generationMs(), p.stepMs(), precision ? vsFp32(p.vsFp32()) : "",
                    front.contains(p) ? "  *" : "");
        }
        out.println("  (* Pareto front: nothing else is both faster and closer to the reference)");
        out.println("Wrote " + w.html());
        out.println("      " + w.csv());
        out.println("      " + w.json());
        out.println("      " + w.charts().size() + " charts in " + w.html().resolveSibling("charts"));
    }

    /** A mode's figures against fp32 as the summary's columns; blank for fp32 itself. */
    static String vsFp32(SweepSummary.VsFp32 v) {
        if (v == null) {
            return String.format(Locale.ROOT, " %18s %7s %12s", "(fp32)", "", "");
        }
        return String.format(Locale.ROOT, " %18s %7.4f %12.5f", Double.isInfinite(v.psnrDb()) ? "inf"
                : String.format(Locale.ROOT, "%.2f", v.psnrDb()), v.ssim(), v.latentRelativeL2());
    }

    private static String subtitle(SweepResults results) {
        String reference = results.cells().isEmpty() ? "" : "reference: " + results.cells().get(0).reference().scheduler()
                + " at " + results.cells().get(0).reference().steps() + " steps; ";
        return results.model().name() + ", " + results.settings().frames() + " frames of " + results.settings().width()
                + "×" + results.settings().height() + " on " + results.machine().executionProvider() + "; " + reference
                + "mean over " + (results.cells().stream().map(c -> c.prompt() + "\u0000" + c.seed()).distinct().count())
                + " prompt×seed pair(s)";
    }
}
