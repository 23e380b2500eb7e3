package dev.kino.examples;

import dev.kino.model.ModelPackage;
import dev.kino.schedule.PredictionType;
import dev.kino.schedule.Schedulers;
import dev.kino.sweep.Sweep;
import dev.kino.sweep.SweepResults;
import dev.kino.sweep.SweepSpec;
import dev.kino.sweep.report.SweepReport;
import dev.kino.sweep.report.SweepSummary;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Runs a small step sweep from Java and prints the scheduler and step count that come closest to a many-step
 * reference while generating within a time budget.
 *
 * <pre>
 *   java -cp ... dev.kino.examples.BestSchedulerUnderBudget MODEL_DIR BUDGET_MS [OUT_DIR]
 * </pre>
 *
 * The sweep's folder keeps every finished run, so a second call with the same folder is instant, and it holds
 * the full report ({@code report.html}) to look at the videos behind the numbers.
 */
public final class BestSchedulerUnderBudget {
    static final List<String> PROMPTS = List.of("a red circle moving right", "a blue square moving down");
    static final List<Integer> STEPS = List.of(2, 4, 8, 16);
    static final int REFERENCE_STEPS = 32;

    private BestSchedulerUnderBudget() {
    }

    public static void main(String[] args) {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: BestSchedulerUnderBudget MODEL_DIR BUDGET_MS [OUT_DIR]");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        double budgetMs = Double.parseDouble(args[1]);
        Path out = Path.of(args.length == 3 ? args[2] : "sweep-under-budget");
        List<SweepSummary.Point> points = sweep(model, schedulersFor(model), STEPS, out);
        points.forEach(p -> System.out.printf(Locale.ROOT, "%-16s %3d steps  %7.2f dB  %8.1f ms%n", p.scheduler(),
                p.steps(), p.psnrDb(), p.generationMs()));
        Optional<SweepSummary.Point> best = SweepSummary.bestWithin(points, budgetMs);
        if (best.isPresent()) {
            System.out.printf(Locale.ROOT, "Best under %.0f ms: %s with %d steps (%.2f dB PSNR against %d steps, %.1f ms)%n",
                    budgetMs, best.get().scheduler(), best.get().steps(), best.get().psnrDb(), REFERENCE_STEPS,
                    best.get().generationMs());
        } else {
            double fastest = points.stream().mapToDouble(SweepSummary.Point::generationMs).min().orElse(Double.NaN);
            System.out.printf(Locale.ROOT, "Nothing fits %.0f ms; the fastest setting took %.1f ms.%n", budgetMs, fastest);
        }
        System.out.println("Videos and charts: " + out.resolve("report.html").toAbsolutePath());
    }

    /**
     * Every scheduler Kino has for the model's kind (flow matching or noise prediction), except Euler Ancestral:
     * it adds fresh noise every step, so it never converges to a reference and distance figures would mislead.
     */
    static List<String> schedulersFor(Path model) {
        boolean flow = ModelPackage.open(model).manifest().denoiser().predictionType() == PredictionType.FLOW;
        return Schedulers.catalog().stream().filter(s -> s.forFlowModels() == flow && !s.name().equals("euler-a"))
                .map(Schedulers.Info::name).toList();
    }

    /** Runs (or resumes) the sweep in {@code out}, writes its report, and returns one point per setting. */
    static List<SweepSummary.Point> sweep(Path model, List<String> schedulers, List<Integer> steps, Path out) {
        SweepSpec spec = SweepSpec.builder(model).prompts(PROMPTS).schedulers(schedulers).steps(steps)
                .reference(REFERENCE_STEPS, null).device("cpu")
                .repeats(3) // time each setting three times and keep the median: single runs are noisy
                .build();
        SweepResults results = Sweep.run(spec, out, System.err);
        SweepReport.write(results, null);
        return SweepSummary.of(results.cells());
    }
}
