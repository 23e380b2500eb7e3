package dev.kino.bench.report;

import dev.kino.bench.sweep.CellResult;
import dev.kino.bench.sweep.SweepResults;

import java.nio.file.Path;
import java.util.List;

/** Writes a sweep's results.csv, results.json, charts and report.html into its folder, from every finished run. */
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

    private static String subtitle(SweepResults results) {
        String reference = results.cells().isEmpty() ? "" : "reference: " + results.cells().get(0).reference().scheduler()
                + " at " + results.cells().get(0).reference().steps() + " steps; ";
        return results.model().name() + ", " + results.settings().frames() + " frames of " + results.settings().width()
                + "×" + results.settings().height() + " on " + results.machine().executionProvider() + "; " + reference
                + "mean over " + (results.cells().stream().map(c -> c.prompt() + "\u0000" + c.seed()).distinct().count())
                + " prompt×seed pair(s)";
    }
}
