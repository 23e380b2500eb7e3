package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.denoise.Denoiser;
import dev.kino.denoise.DenoisingLoop;
import dev.kino.denoise.ExpertDenoiser;
import dev.kino.DivergedException;
import dev.kino.denoise.Guidance;
import dev.kino.denoise.OnnxDenoiser;
import dev.kino.denoise.StepListener;
import dev.kino.lora.LoraSessions;
import dev.kino.model.Manifest;
import dev.kino.model.ModelGraphs;
import dev.kino.model.ModelPackage;
import dev.kino.noise.TorchGenerator;
import dev.kino.runtime.Device;
import dev.kino.runtime.DeviceMemory;
import dev.kino.runtime.ExecutionProvider;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.schedule.Scheduler;
import dev.kino.schedule.Schedulers;
import dev.kino.tensor.FloatTensor;
import dev.kino.text.TextEmbeddings;
import dev.kino.text.TextStage;
import dev.kino.vae.CausalVaeDecoder;
import dev.kino.vae.ClipVaeDecoder;
import dev.kino.vae.FrameFoldingVaeDecoder;
import dev.kino.vae.LatentDenormalizer;
import dev.kino.vae.VaeDecoder;
import dev.kino.video.VideoFrames;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Kino's entry point: a loaded model package that turns prompts into videos.
 *
 * <pre>{@code
 * try (TextToVideoPipeline kino = TextToVideoPipeline.load(Path.of("my-model"), Device.AUTO)) {
 *     GenerationPlan plan = kino.plan(GenerationRequest.builder("a red circle moving right").build());
 *     GenerationResult r = kino.generate(plan, StepListener.NONE);
 *     Mp4Writer.write(r.frames(), r.settings().fps(), Path.of("out.mp4"), 1);
 * }
 * }</pre>
 *
 * The data flows prompt → tokens → text embeddings → seeded noise → denoising loop → latents → VAE →
 * frames. A request is resolved once into a {@link GenerationPlan} ({@link #plan}), which {@code generate}
 * runs; with {@link GenerationOptions} a run saves {@link Checkpoint}s and resumes from one bit for bit.
 *
 * <p>Loading opens every ONNX session once; they stay open for every generation until {@link #close()}, except
 * a mixture's experts loaded one at a time ({@link ExpertResidency#ONE}), which open and close per generation.
 * Generations may run on several threads; {@code close()} stops them at their next step and waits for them
 * before it frees anything.
 */
public final class TextToVideoPipeline implements AutoCloseable {
    private final ModelPackage pkg;
    private final OnnxRuntime runtime;
    private final ModelGraphs graphs;
    private final TextStage text;
    private final LoraDenoisers denoisers;
    private final VaeDecoder vae;
    private final Planner planner;
    private final Lifecycle lifecycle = new Lifecycle(this::free);
    private final ExpertSlot expertSlot;   // one expert at a time, else null

    private TextToVideoPipeline(ModelPackage pkg, OnnxRuntime runtime, ModelGraphs graphs, TextStage text,
                                boolean oneExpert) {
        Manifest m = pkg.manifest();
        this.pkg = pkg;
        this.runtime = runtime;
        this.graphs = graphs;
        this.text = text;
        List<Manifest.Expert> experts = m.denoiser().experts();
        LoraSessions loraSessions = new LoraSessions(runtime, experts.stream().map(e -> pkg.resolve(e.file())).toList());
        if (oneExpert) {
            this.expertSlot = new ExpertSlot(lifecycle::closing);
            this.denoisers = new LoraDenoisers(expertSlot, (loras, key, caused) -> {
                List<Denoiser> resident = new ArrayList<>();
                for (int i = 0; i < experts.size(); i++) {
                    resident.add(new ResidentExpert(expertSlot, key, i, e -> loras.isEmpty()
                            ? runtime.open(pkg.resolve(experts.get(e).file()), "denoiser expert " + (e + 1))
                            : loraSessions.openExpert(loras, e, "denoiser expert " + (e + 1)), m.denoiser(), caused));
                }
                return mixture(resident, m);
            });
        } else {
            this.expertSlot = null;
            this.denoisers = new LoraDenoisers(loraSessions, denoiser(graphs.denoisers(), m), graphs.denoisers(),
                    sessions -> denoiser(sessions, m));
        }
        this.vae = switch (m.vae().kind()) {
            case TWO_D -> new FrameFoldingVaeDecoder(graphs.vae(), m.vae(), m.latent().spatialCompression());
            case THREE_D -> new ClipVaeDecoder(graphs.vae(), m.vae(), m.latent());
            case CAUSAL -> new CausalVaeDecoder(graphs.vae(), graphs.vaeNext(), m.vae(), m.latent().spatialCompression());
        };
        this.planner = new Planner(m, graphs.signatures(), runtime.provider().label(), pkg.identity(), loraSessions,
                text::checkFits);
        planner.scheduler(null); // the model's own scheduler config must be valid before anyone waits on a run
    }

    /** One graph, or a mixture of experts switched at {@code boundary_ratio × num_train_timesteps}. */
    private static Denoiser denoiser(List<OnnxModel> sessions, Manifest m) {
        List<Manifest.Expert> experts = m.denoiser().experts();
        if (experts.size() == 1) {
            return new OnnxDenoiser(sessions.get(0), m.denoiser());
        }
        return mixture(sessions.stream().<Denoiser>map(s -> new OnnxDenoiser(s, m.denoiser())).toList(), m);
    }

    /** The experts, high noise first, switched at {@code boundary_ratio × num_train_timesteps}. */
    private static Denoiser mixture(List<Denoiser> experts, Manifest m) {
        double train = m.scheduler().trainTimesteps();
        double[] boundaries = new double[experts.size()];
        for (int i = 0; i < experts.size(); i++) {
            boundaries[i] = m.denoiser().experts().get(i).boundaryRatio() * train;
        }
        return new ExpertDenoiser(experts, boundaries);
    }

    /** Loads the package in {@code modelDir} for {@code device} (see {@link Device#parse}). */
    public static TextToVideoPipeline load(Path modelDir, Device device) {
        return load(ModelPackage.open(modelDir), OnnxRuntime.create(device));
    }

    /** Loads an already opened package with a chosen runtime, both experts of a mixture resident. */
    public static TextToVideoPipeline load(ModelPackage pkg, OnnxRuntime runtime) {
        return load(pkg, runtime, ExpertResidency.BOTH, 0);
    }

    /**
     * Loads the package in {@code modelDir} for {@code device}, keeping a mixture's experts resident as
     * {@code experts} says (see {@link #load(ModelPackage, OnnxRuntime, ExpertResidency)}).
     */
    public static TextToVideoPipeline load(Path modelDir, Device device, ExpertResidency experts) {
        return load(ModelPackage.open(modelDir), OnnxRuntime.create(device), experts);
    }

    /**
     * Loads an already opened package with a chosen runtime, keeping a mixture's experts resident as
     * {@code experts} says; {@link ExpertResidency#AUTO} decides against the memory the runtime's device has free
     * now ({@link DeviceMemory#runtimeBudget}), so a model loaded beside others sees what they left.
     */
    public static TextToVideoPipeline load(ModelPackage pkg, OnnxRuntime runtime, ExpertResidency experts) {
        return load(pkg, runtime, experts, experts == ExpertResidency.AUTO
                ? DeviceMemory.runtimeBudget(runtime.provider().device()) : 0);
    }

    /**
     * Loads an already opened package with a chosen runtime, keeping a mixture's experts resident as
     * {@code experts} says ({@link ExpertResidency#AUTO} against {@code budgetBytes} of ONNX Runtime memory).
     */
    public static TextToVideoPipeline load(ModelPackage pkg, OnnxRuntime runtime, ExpertResidency experts,
                                           long budgetBytes) {
        boolean one = experts.oneAtATime(pkg, budgetBytes);
        ModelGraphs graphs = ModelGraphs.open(pkg, runtime, !one);
        TextStage text = null;
        try {
            text = TextStage.load(pkg.manifest().textEncoders(), graphs.textEncoders(), pkg::resolve);
            return new TextToVideoPipeline(pkg, runtime, graphs, text, one);
        } catch (RuntimeException e) {
            if (text != null) {
                text.close();
            }
            graphs.close();
            throw e;
        }
    }

    /** The loaded package. */
    public ModelPackage modelPackage() {
        return pkg;
    }

    /** Whether a mixture's experts are loaded one at a time ({@link ExpertResidency}); false for one graph. */
    public boolean expertsOneAtATime() {
        return expertSlot != null;
    }

    /**
     * The expert sessions a pipeline loaded one at a time has opened and closed, in order, the last 32
     * ({@code open 0}, {@code close 0}, {@code open 1}, ...: expert 0 is the high-noise one); empty with both
     * resident. What services show as a loaded model's status; {@link GenerationResult#expertSessions()} has
     * one generation's.
     */
    public List<String> expertEvents() {
        return expertSlot == null ? List.of() : expertSlot.events();
    }

    /** Where the graphs run (CPU or CUDA) and why. */
    public ExecutionProvider provider() {
        return runtime.provider();
    }

    /**
     * Resolves {@code request} against this model, once: defaults filled in, sizes and memory checked, the
     * scheduler built and its timesteps planned.
     *
     * @throws KinoException (one sentence) when the model cannot make what the request asks
     */
    public GenerationPlan plan(GenerationRequest request) {
        return planner.plan(request);
    }

    /** {@code generate(plan(request), listener)}. */
    public GenerationResult generate(GenerationRequest request, StepListener listener) {
        return generate(plan(request), GenerationOptions.of(listener));
    }

    /** Runs {@code plan} from noise, telling {@code listener} about every step (return false to cancel). */
    public GenerationResult generate(GenerationPlan plan, StepListener listener) {
        return generate(plan, GenerationOptions.of(listener));
    }

    /**
     * Runs {@code plan}: from noise or from {@code options.resumeFrom()}, saving checkpoints as asked.
     *
     * @throws KinoException                when the plan is of another model, the checkpoint of another plan,
     *                                      the pipeline is closed, or the numbers diverge ({@link DivergedException})
     * @throws GenerationCancelledException when the listener cancelled, or {@link #close()} stopped the run
     */
    public GenerationResult generate(GenerationPlan plan, GenerationOptions options) {
        lifecycle.enter();
        try {
            return new Generation(this, plan, options).run();
        } finally {
            lifecycle.exit();
        }
    }

    /** Builds the plan's scheduler afresh (schedulers are stateful) and checks it plans what the plan says. */
    Scheduler schedulerFor(GenerationPlan plan) {
        if (!plan.modelIdentity().equals(pkg.identity())) {
            throw new KinoException("The plan was made for the model '" + plan.modelName() + "' ("
                    + plan.modelIdentity().substring(0, 12) + "), not this one (" + pkg.manifest().name() + ", "
                    + pkg.identity().substring(0, 12) + "); load that model or plan the request again.");
        }
        Scheduler s = Schedulers.fromConfig(plan.settings().scheduler(), plan.schedulerConfig());
        Planner.planSchedule(pkg.manifest(), s, plan.steps(), plan.sequenceLength());
        for (int i = 0; i < plan.steps(); i++) {
            if (Double.compare(s.timestep(i), plan.timesteps()[i]) != 0) {
                throw new KinoException("The plan's timesteps differ from what its scheduler plans in this Kino;"
                        + " plan the request again.");
            }
        }
        return s;
    }

    boolean closing() {
        return lifecycle.closing();
    }

    Manifest manifest() {
        return pkg.manifest();
    }

    ModelGraphs graphs() {
        return graphs;
    }

    TextStage text() {
        return text;
    }

    /** The denoiser for {@code plan}'s LoRAs (the plain one without); close the lease when the run ends. */
    LoraDenoisers.Lease denoiserFor(GenerationPlan plan) {
        return denoisers.acquire(plan);
    }

    VaeDecoder vae() {
        return vae;
    }

    /**
     * Stops running generations at their next step ({@link GenerationCancelledException} on their threads),
     * waits for them, then frees the ONNX sessions and the tokenizer. A second call does nothing; a
     * {@code generate} after it fails with a {@link KinoException}. Called from a step listener, it returns
     * at once and the generation frees everything as it ends.
     */
    @Override
    public void close() {
        lifecycle.close();
    }

    private void free() {
        try {
            text.close();
            denoisers.close();
        } finally {
            graphs.close();
        }
    }
}
