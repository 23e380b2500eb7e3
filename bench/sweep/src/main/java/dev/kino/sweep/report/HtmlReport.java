package dev.kino.sweep.report;

import dev.kino.sweep.CellResult;
import dev.kino.sweep.SweepResults;
import dev.kino.sweep.io.AtomicFiles;
import dev.kino.sweep.measure.MachineInfo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * {@code report.html}: a page a person reads top to bottom, pictures first. The contact sheet shows frames of
 * every run beside its reference's, so that whether fewer steps look wrong is judged by eye before any figure
 * is; then the charts, the summary table, and what each figure means. The page is self-contained: it links
 * only to files inside the sweep folder, by relative paths, so the folder can be copied or zipped whole.
 */
public final class HtmlReport {
    private HtmlReport() {
    }

    public static void write(Path target, SweepResults results, List<String> charts, String command) {
        StringBuilder h = new StringBuilder();
        String model = results.model().name();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Step sweep: ")
                .append(esc(model)).append("</title>\n<style>\n").append(CSS).append("</style></head><body>\n");
        h.append("<h1>Step sweep: ").append(esc(model)).append("</h1>\n");
        h.append("<p class=\"meta\">").append(results.settings().frames()).append(" frames of ")
                .append(results.settings().width()).append("×").append(results.settings().height()).append(" · ")
                .append(esc(describe(results.machine()))).append("</p>\n");
        if (command != null) {
            h.append("<p class=\"meta\">Reproduce: <code>").append(esc(command)).append("</code></p>\n");
        }
        for (String w : results.warnings()) {
            h.append("<p class=\"warn\">").append(esc(w)).append("</p>\n");
        }
        contactSheet(h, results);
        h.append("<h2>Charts</h2>\n");
        for (String chart : charts) {
            h.append("<p><img class=\"chart\" src=\"").append(esc(chart)).append("\" alt=\"").append(esc(chart))
                    .append("\"></p>\n");
        }
        summaryTable(h, SweepSummary.of(results.cells()));
        h.append(MEANING);
        h.append("<p>Every run, with every stage's time, memory, versions and machine: <a href=\"results.csv\">results.csv</a>, ")
                .append("<a href=\"results.json\">results.json</a>.</p>\n</body></html>\n");
        AtomicFiles.writeString(target, h.toString());
    }

    private static void contactSheet(StringBuilder h, SweepResults results) {
        h.append("<h2>Contact sheet</h2>\n<p>Evenly spaced frames of each run; click a strip for its video. "
                + "Each block starts with the reference every run below it is measured against.</p>\n");
        Map<String, List<CellResult>> groups = new LinkedHashMap<>();
        for (CellResult c : results.cells()) {
            groups.computeIfAbsent(c.reference().id(), k -> new ArrayList<>()).add(c);
        }
        for (List<CellResult> cells : groups.values()) {
            CellResult first = cells.get(0);
            CellResult ref = results.references().stream().filter(r -> r.id().equals(first.reference().id()))
                    .findFirst().orElse(null);
            h.append("<h3>“").append(esc(first.prompt())).append("” · seed ").append(first.seed())
                    .append(" · guidance ").append(SweepSummary.trim(first.guidance())).append("</h3>\n");
            h.append("<table class=\"sheet\"><tr><th>run</th><th>frames</th><th>PSNR</th><th>SSIM</th>"
                    + "<th>latent rel. L2</th><th>generation</th></tr>\n");
            if (ref != null) {
                row(h, "reference: " + ref.scheduler() + ", " + ref.steps() + " steps", ref, "ref");
            }
            List<CellResult> ordered = new ArrayList<>(cells);
            List<String> schedulerOrder = cells.stream().map(CellResult::scheduler).distinct().toList();
            ordered.sort(Comparator.comparingInt((CellResult c) -> schedulerOrder.indexOf(c.scheduler()))
                    .thenComparingInt(CellResult::steps));
            for (CellResult c : ordered) {
                row(h, c.scheduler() + ", " + c.steps() + " steps" + (c.loraStrength() == null ? ""
                        : ", LoRA " + SweepSummary.trim(c.loraStrength())) + (c.precision() == null ? ""
                        : ", " + c.precision()), c, null);
            }
            h.append("</table>\n");
        }
    }

    private static void row(StringBuilder h, String label, CellResult r, String cssClass) {
        int shownHeight = Math.min(Math.max(r.video().height(), 64), 96);
        String pixelated = shownHeight > r.video().height() ? " pixelated" : "";
        h.append("<tr").append(cssClass == null ? "" : " class=\"" + cssClass + "\"").append("><th>")
                .append(esc(label)).append("</th><td><a href=\"").append(esc(r.video().mp4())).append("\"><img class=\"strip")
                .append(pixelated).append("\" style=\"height:").append(shownHeight).append("px\" src=\"")
                .append(esc(r.video().strip())).append("\" alt=\"frames of ").append(esc(label)).append("\"></a></td>");
        CellResult.Quality q = r.quality();
        if (q == null) {
            h.append("<td colspan=\"3\" class=\"num\">—</td>");
        } else {
            h.append("<td class=\"num\">").append(q.identicalToReference() ? "∞ (identical)" : fmt(q.psnrDb(), 2) + " dB")
                    .append("</td><td class=\"num\">").append(fmt(q.ssim(), 4)).append("</td><td class=\"num\">")
                    .append(fmt(q.latentRelativeL2(), 4)).append("</td>");
        }
        h.append("<td class=\"num\">").append(seconds(r.timings().generationMs())).append("</td></tr>\n");
    }

    private static void summaryTable(StringBuilder h, List<SweepSummary.Point> points) {
        boolean precision = points.stream().anyMatch(p -> p.precision() != null);
        h.append("<h2>Summary</h2>\n<p>Means over prompts and seeds. ★ marks the Pareto front: no other setting is "
                + "both faster and closer to the reference." + (precision ? " “vs fp32” compares each precision mode's "
                + "videos and latents with the fp32 package's at the same settings." : "")
                + "</p>\n<table class=\"summary\"><tr><th>scheduler</th>"
                + "<th>guidance</th><th>steps</th><th>runs</th><th>PSNR (dB)</th><th>SSIM</th><th>latent rel. L2</th>"
                + "<th>temporal ratio</th><th>generation</th><th>ms/step</th><th>of which ONNX Runtime</th>"
                + "<th>of which Kino</th>" + (precision ? "<th>vs fp32: PSNR (dB)</th><th>SSIM</th><th>latent rel. L2</th>"
                : "") + "<th></th></tr>\n");
        List<SweepSummary.Point> front = SweepSummary.paretoFront(points);
        for (SweepSummary.Point p : points) {
            h.append("<tr><td>").append(esc(p.scheduler() + (p.loraStrength() == null ? ""
                    : ", LoRA " + SweepSummary.trim(p.loraStrength())) + (p.precision() == null ? ""
                    : ", " + p.precision()))).append("</td><td class=\"num\">")
                    .append(SweepSummary.trim(p.guidance())).append("</td><td class=\"num\">").append(p.steps())
                    .append("</td><td class=\"num\">").append(p.runs()).append("</td><td class=\"num\">")
                    .append(p.identicalToReference() ? "∞" : fmt(p.psnrDb(), 2)).append("</td><td class=\"num\">")
                    .append(fmt(p.ssim(), 4)).append("</td><td class=\"num\">").append(fmt(p.latentRelativeL2(), 4))
                    .append("</td><td class=\"num\">").append(fmt(p.temporalRatio(), 3)).append("</td><td class=\"num\">")
                    .append(seconds(p.generationMs())).append("</td><td class=\"num\">").append(fmt(p.stepMs(), 1))
                    .append("</td><td class=\"num\">").append(fmt(p.onnxStepMs(), 1)).append("</td><td class=\"num\">")
                    .append(fmt(p.kinoStepMs(), 2)).append("</td>").append(precision ? vsFp32Cells(p.vsFp32()) : "")
                    .append("<td>").append(front.contains(p) ? "★" : "")
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static String vsFp32Cells(SweepSummary.VsFp32 v) {
        if (v == null) {
            return "<td class=\"num\">(fp32)</td><td></td><td></td>";
        }
        return "<td class=\"num\">" + (Double.isInfinite(v.psnrDb()) ? "∞" : fmt(v.psnrDb(), 2)) + "</td><td class=\"num\">"
                + fmt(v.ssim(), 4) + "</td><td class=\"num\">" + fmt(v.latentRelativeL2(), 5) + "</td>";
    }

    static String describe(MachineInfo m) {
        StringBuilder s = new StringBuilder(m.executionProvider());
        if (m.gpu() != null) {
            s.append(" (").append(m.gpu()).append(")");
        }
        s.append(" · ").append(Objects.requireNonNullElse(m.cpu(), m.arch())).append(", ").append(m.logicalCores())
                .append(" logical cores");
        if (m.memoryBytes() != null) {
            s.append(", ").append(Math.round(m.memoryBytes() / 1073741824.0)).append(" GiB");
        }
        s.append(" · ").append(m.os()).append(" · Java ").append(m.java()).append(" · Kino ").append(m.kino())
                .append(" · ONNX Runtime ").append(m.onnxRuntime());
        return s.toString();
    }

    private static String fmt(Double v, int decimals) {
        return v == null || v.isNaN() ? "—" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String seconds(double ms) {
        return ms < 1000 ? String.format(Locale.ROOT, "%.0f ms", ms) : String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static final String CSS = """
            body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1400px; }
            .meta { color: #555; } .warn { background: #fff4d6; padding: .5em; }
            code { background: #f2f2f2; padding: .1em .3em; }
            table { border-collapse: collapse; margin-bottom: 1.5em; }
            th, td { padding: .25em .6em; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: middle; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            tr.ref { background: #eef5ff; }
            img.strip { display: block; }
            img.pixelated { image-rendering: pixelated; }
            img.chart { max-width: 100%; border: 1px solid #ddd; }
            dt { font-weight: 600; margin-top: .6em; }
            """;

    private static final String MEANING = """
            <h2>What the figures mean, and what they do not</h2>
            <dl>
            <dt>Reference</dt><dd>The same prompt, seed and guidance run with many steps (see each block's first row).
            Every figure measures distance to that video, not quality: a run can score low and still look fine, and a
            reference that has not converged makes every figure optimistic near its own step count.</dd>
            <dt>PSNR (dB)</dt><dd>Peak signal-to-noise ratio of the decoded 8-bit RGB frames against the reference's,
            computed per frame, then averaged. Higher is closer; ∞ means identical. A frame identical to its reference
            counts at the highest finite PSNR for its size (one value off by one) so that one identical frame does not
            make the mean infinite. Sensitive to small shifts of position that a viewer would not notice.</dd>
            <dt>SSIM</dt><dd>Structural similarity (Wang et al. 2004) on luma (BT.601), 11×11 Gaussian window with
            σ = 1.5, averaged over each frame's valid region and then over frames. 1 is identical. Ignores colour.</dd>
            <dt>Latent rel. L2</dt><dd>‖latents − reference‖ / ‖reference‖ of the final latents before the VAE. 0 is
            identical; about 1.4 is as far apart as two unrelated samples. Only comparable within one model.</dd>
            <dt>Temporal ratio</dt><dd>Mean absolute frame-to-frame difference of the run divided by the reference's.
            Above 1: more change between frames (flicker, jitter); below 1: less (a frozen look). It cannot tell intended
            motion from flicker.</dd>
            <dt>Times</dt><dd>Wall time on this machine after one untimed warm-up run, with the model loaded once;
            one measurement per run, or the median of <code>--repeats</code> runs.
            "Generation" is tokenize to VAE decode; MP4 encoding is recorded separately. "ONNX Runtime" is time inside
            its run calls; "Kino" is the rest of the denoising step: scheduler math, the guidance combine, copies.</dd>
            <dt>Memory</dt><dd>Peak resident memory of the whole process during each run (JVM heap, open sessions,
            buffers), so it shows what a machine needs, not what a run adds. On CUDA, GPU memory is what nvidia-smi
            reports after the run, which ONNX Runtime's arena keeps from earlier runs.</dd>
            </dl>
            """;
}
