package dev.kino.sweep;

import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.ResolvedSettings;
import dev.kino.pipeline.TextToVideoPipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The sweep's cells, resolved against the loaded model: the model's own scheduler and guidance filled in,
 * every combination checked by the engine before any run starts (so a bad scheduler name or step count
 * fails in a second, not an hour in), and the cells grouped by the reference they are compared with.
 */
public final class SweepGrid {

    /** The cells that share one reference run (same prompt, seed and guidance), in run order. */
    public record Group(Cell reference, List<Cell> cells) {
    }

    private final String modelScheduler;
    private final ResolvedSettings settings;
    private final List<Group> groups;
    private final List<String> warnings;
    private final List<Path> loras;
    private final Map<String, Path> precisions;

    private SweepGrid(String modelScheduler, ResolvedSettings settings, List<Group> groups, List<String> warnings,
                      List<Path> loras, Map<String, Path> precisions) {
        this.loras = loras;
        this.precisions = precisions;
        this.modelScheduler = modelScheduler;
        this.settings = settings;
        this.groups = groups;
        this.warnings = warnings;
    }

    /** @throws dev.kino.KinoException with the engine's sentence when any cell cannot run on this model */
    public static SweepGrid resolve(SweepSpec spec, TextToVideoPipeline pipeline) {
        ResolvedSettings base = pipeline.plan(GenerationRequest.builder(spec.prompts().get(0))
                .frames(spec.frames()).width(spec.width()).height(spec.height()).build()).settings();
        String modelScheduler = base.scheduler();
        List<String> schedulers = spec.schedulers().isEmpty() ? List.of(modelScheduler) : spec.schedulers();
        // Unset guidance stays unset, so the engine applies the model's own (per expert where it has experts).
        List<Double> guidance = spec.guidance().isEmpty() ? Collections.singletonList(null) : spec.guidance();
        String referenceScheduler = spec.referenceScheduler() == null ? modelScheduler : spec.referenceScheduler();
        // no LoRAs: one cell per sampler setting, none applied (null); the reference never has LoRAs
        List<Double> strengths = spec.loras().isEmpty() ? Collections.singletonList(null) : spec.loraStrengths();
        // no precision axis: one cell, on the --model package (null); with one, fp32 first, then each mode
        List<String> precisions = new ArrayList<>(Collections.singletonList(null));
        if (!spec.precisions().isEmpty()) {
            precisions = new ArrayList<>(List.of(PrecisionAxis.FP32));
            precisions.addAll(spec.precisions().keySet());
        }

        List<Group> groups = new ArrayList<>();
        for (String prompt : spec.prompts()) {
            for (long seed : spec.seeds()) {
                for (Double g : guidance) {
                    Cell reference = new Cell(prompt, seed, g, referenceScheduler, spec.referenceSteps());
                    check(reference, modelScheduler, spec, pipeline);
                    List<Cell> cells = new ArrayList<>();
                    for (String scheduler : schedulers) {
                        for (int steps : spec.steps()) {
                            for (Double strength : strengths) {
                                for (String precision : precisions) {
                                    Cell cell = new Cell(prompt, seed, g, scheduler, steps, strength, precision);
                                    check(cell, modelScheduler, spec, pipeline);
                                    cells.add(cell);
                                }
                            }
                        }
                    }
                    groups.add(new Group(reference, List.copyOf(cells)));
                }
            }
        }
        List<String> warnings = new ArrayList<>();
        int most = spec.steps().stream().mapToInt(Integer::intValue).max().orElse(0);
        if (spec.referenceSteps() <= most) {
            warnings.add("The reference runs " + spec.referenceSteps() + " steps but the grid goes up to " + most
                    + "; quality figures near the top of the grid measure distance to a reference that is no better"
                    + " converged. Raise --reference-steps.");
        }
        return new SweepGrid(modelScheduler, base, List.copyOf(groups), List.copyOf(warnings), spec.loras(),
                spec.precisions());
    }

    private static void check(Cell cell, String modelScheduler, SweepSpec spec, TextToVideoPipeline pipeline) {
        pipeline.plan(cell.request(modelScheduler, spec.frames(), spec.width(), spec.height(), spec.loras()));
    }

    /** The name of the model's own scheduler; cells with this name run the model's config unchanged. */
    public String modelScheduler() {
        return modelScheduler;
    }

    /** Frames, size, fps and negative prompt shared by every cell (the scheduler, steps and seed vary). */
    public ResolvedSettings settings() {
        return settings;
    }

    public List<Group> groups() {
        return groups;
    }

    /** Things the user should know before trusting the figures. */
    public List<String> warnings() {
        return warnings;
    }

    public List<Cell> cells() {
        return groups.stream().flatMap(g -> g.cells().stream()).toList();
    }

    /**
     * The precision modes other than fp32, each to its package, in the order asked; empty without a precision axis.
     * Their cells run on their own package after every fp32 cell (one package loaded at a time).
     */
    public Map<String, Path> precisionPackages() {
        return precisions;
    }

    /** Whether a cell runs on the {@code --model} package (no precision axis, or fp32). */
    public static boolean onModelPackage(Cell cell) {
        return cell.precision() == null || cell.precision().equals(PrecisionAxis.FP32);
    }

    public GenerationRequest request(Cell cell) {
        return cell.request(modelScheduler, settings.frames(), settings.width(), settings.height(), loras);
    }
}
