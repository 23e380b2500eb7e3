package dev.kino.pipeline;

import dev.kino.denoise.StepListener;

import dev.kino.model.ModelPackage;
import dev.kino.model.PackageSignatures;

/**
 * Plans requests for a model package without loading it: the manifest and the graphs' declared signatures
 * ({@link PackageSignatures#read}, read from the files' headers) are all planning needs, so a server checks and
 * plans submits for a model of any size in a few kilobytes of memory, and a worker that loads the model runs the
 * plan as made ({@link GenerationPlan#toJson()}, {@link TextToVideoPipeline#generate(GenerationPlan, StepListener)}).
 *
 * <p>A plan made here equals, fingerprint for fingerprint, the plan {@link TextToVideoPipeline#plan} makes of the
 * same request; only its {@code execution_provider} ({@value #PROVIDER}) differs, which the fingerprint leaves out.
 */
public final class GenerationPlanner {
    /** The execution provider a plan made without a device names. */
    public static final String PROVIDER = "not loaded";

    private final ModelPackage pkg;
    private final Planner planner;

    private GenerationPlanner(ModelPackage pkg, Planner planner) {
        this.pkg = pkg;
        this.planner = planner;
    }

    /**
     * Reads the graphs' signatures and checks the manifest against them and its own scheduler config.
     *
     * @throws dev.kino.KinoException as loading the package would, for a package that cannot run
     */
    public static GenerationPlanner of(ModelPackage pkg) {
        Planner planner = new Planner(pkg.manifest(), PackageSignatures.read(pkg), PROVIDER, pkg.identity(),
                new dev.kino.lora.LoraSessions(null, pkg.manifest().denoiser().experts().stream()
                        .map(e -> pkg.resolve(e.file())).toList()),
                (prompt, negative, guided) -> dev.kino.text.TextStage.checkFits(pkg.manifest().textEncoders(),
                        pkg::resolve, prompt, negative, guided));
        planner.scheduler(null);
        return new GenerationPlanner(pkg, planner);
    }

    /** The package the plans are for. */
    public ModelPackage modelPackage() {
        return pkg;
    }

    /**
     * Resolves {@code request} against the model, as {@link TextToVideoPipeline#plan} does.
     *
     * @throws dev.kino.KinoException (one sentence) when the model cannot make what the request asks
     */
    public GenerationPlan plan(GenerationRequest request) {
        return planner.plan(request);
    }
}
