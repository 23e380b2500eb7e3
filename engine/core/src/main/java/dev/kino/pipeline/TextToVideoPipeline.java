package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.denoise.Denoiser;
import dev.kino.denoise.DenoisingLoop;
import dev.kino.denoise.ExpertDenoiser;
import dev.kino.denoise.Guidance;
import dev.kino.denoise.OnnxDenoiser;
import dev.kino.denoise.StepListener;
import dev.kino.model.Manifest;
import dev.kino.model.ModelGraphs;
import dev.kino.model.ModelPackage;
import dev.kino.noise.TorchGenerator;
import dev.kino.runtime.Device;
import dev.kino.runtime.ExecutionProvider;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.schedule.Scheduler;
import dev.kino.tensor.FloatTensor;
import dev.kino.text.PromptCleaner;
import dev.kino.text.PromptTokenizer;
import dev.kino.text.TextEmbeddings;
import dev.kino.text.TextEncoder;
import dev.kino.text.Tokens;
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
 *     GenerationResult r = kino.generate(GenerationRequest.builder("a red circle moving right").build(),
 *                                        StepListener.NONE);
 *     Mp4Writer.write(r.frames(), r.settings().fps(), Path.of("out.mp4"), 1);
 * }
 * }</pre>
 *
 * The data flows prompt → tokens → text embeddings → seeded noise → denoising loop → latents → VAE →
 * frames. Loading opens every ONNX session once; they stay open for every generation until {@link #close()}.
 * One pipeline runs one generation at a time.
 */
public final class TextToVideoPipeline implements AutoCloseable {
    private final ModelPackage pkg;
    private final OnnxRuntime runtime;
    private final ModelGraphs graphs;
    private final PromptTokenizer tokenizer;
    private final TextEncoder textEncoder;
    private final Denoiser denoiser;
    private final VaeDecoder vae;
    private final SchedulerFactory schedulers;

    private TextToVideoPipeline(ModelPackage pkg, OnnxRuntime runtime, ModelGraphs graphs, PromptTokenizer tokenizer) {
        Manifest m = pkg.manifest();
        this.pkg = pkg;
        this.runtime = runtime;
        this.graphs = graphs;
        this.tokenizer = tokenizer;
        this.textEncoder = new TextEncoder(graphs.textEncoder(), m.textEncoder());
        this.denoiser = denoiser(graphs, m);
        this.vae = switch (m.vae().kind()) {
            case TWO_D -> new FrameFoldingVaeDecoder(graphs.vae(), m.vae(), m.latent().spatialCompression());
            case THREE_D -> new ClipVaeDecoder(graphs.vae(), m.vae(), m.latent());
            case CAUSAL -> new CausalVaeDecoder(graphs.vae(), graphs.vaeNext(), m.vae(), m.latent().spatialCompression());
        };
        this.schedulers = new SchedulerFactory(m);
        schedulers.create(null); // the model's own scheduler config must be valid before anyone waits on a run
    }

    /** One graph, or a mixture of experts switched at {@code boundary_ratio × num_train_timesteps}. */
    private static Denoiser denoiser(ModelGraphs graphs, Manifest m) {
        List<Manifest.Expert> experts = m.denoiser().experts();
        if (experts.size() == 1) {
            return new OnnxDenoiser(graphs.denoiser(), m.denoiser());
        }
        Object trainSteps = m.scheduler().getOrDefault("num_train_timesteps", 1000);
        double train = trainSteps instanceof Number n ? n.doubleValue() : 1000;
        List<Denoiser> graphsPerExpert = new ArrayList<>();
        double[] boundaries = new double[experts.size()];
        for (int i = 0; i < experts.size(); i++) {
            graphsPerExpert.add(new OnnxDenoiser(graphs.denoisers().get(i), m.denoiser()));
            boundaries[i] = experts.get(i).boundaryRatio() * train;
        }
        return new ExpertDenoiser(graphsPerExpert, boundaries);
    }

    /** Guidance per expert: the user's scale for all, else each expert's own, else the model default. */
    private static float[] guidancePerExpert(GenerationRequest request, Manifest m) {
        List<Manifest.Expert> experts = m.denoiser().experts();
        float[] scales = new float[experts.size()];
        for (int i = 0; i < scales.length; i++) {
            Double own = experts.get(i).guidance();
            scales[i] = (float) (request.guidance() != null ? request.guidance()
                    : own != null ? own : m.defaults().guidance());
        }
        return scales;
    }

    /** Loads the package in {@code modelDir} for {@code device} (see {@link Device#parse}). */
    public static TextToVideoPipeline load(Path modelDir, Device device) {
        return load(ModelPackage.open(modelDir), OnnxRuntime.create(device));
    }

    /** Loads an already opened package with a chosen runtime. */
    public static TextToVideoPipeline load(ModelPackage pkg, OnnxRuntime runtime) {
        ModelGraphs graphs = ModelGraphs.open(pkg, runtime);
        PromptTokenizer tokenizer = null;
        try {
            Manifest.TextEncoder t = pkg.manifest().textEncoder();
            tokenizer = PromptTokenizer.load(pkg.resolve(pkg.manifest().tokenizer()), t.maxLength(), t.padding());
            return new TextToVideoPipeline(pkg, runtime, graphs, tokenizer);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            graphs.close();
            throw e;
        }
    }

    public ModelPackage modelPackage() {
        return pkg;
    }

    public ExecutionProvider provider() {
        return runtime.provider();
    }

    /** The settings {@code request} would run with; throws a {@link KinoException} if the model cannot make it. */
    public ResolvedSettings resolve(GenerationRequest request) {
        return resolve(request, schedulers.create(request.scheduler()).name());
    }

    private ResolvedSettings resolve(GenerationRequest request, String schedulerName) {
        ResolvedSettings s = RequestResolver.resolve(request, pkg.manifest(), schedulerName, runtime.provider().label());
        FixedShapes.check(pkg.manifest(), graphs, s.frames(), s.width(), s.height());
        return s;
    }

    /**
     * Generates one video.
     *
     * @param listener called after every denoising step; return false from it to cancel
     * @throws KinoException                 when the request does not fit the model
     * @throws GenerationCancelledException  when the listener cancelled
     */
    public GenerationResult generate(GenerationRequest request, StepListener listener) {
        Manifest m = pkg.manifest();
        Scheduler scheduler = schedulers.create(request.scheduler());
        ResolvedSettings s = resolve(request, scheduler.name());
        StageTimings timings = new StageTimings();
        List<String> warnings = new ArrayList<>();
        boolean guided = Guidance.enabled(s.guidance());

        long t0 = System.nanoTime();
        boolean clean = m.textEncoder().cleanPrompt();
        String prompt = clean ? PromptCleaner.clean(s.prompt()) : s.prompt();
        String negative = clean ? PromptCleaner.clean(s.negativePrompt()) : s.negativePrompt();
        Tokens[] tokens = guided ? tokenizer.tokenizePair(prompt, negative)
                : new Tokens[] {tokenizer.tokenize(prompt)};
        warn(tokens[0], "prompt", warnings);
        if (guided) {
            warn(tokens[1], "negative prompt", warnings);
        }
        stage(timings, StageTimings.TOKENIZE, t0, null, 0);

        long t1 = System.nanoTime();
        long onnx1 = graphs.textEncoder().runNanos();
        TextEmbeddings text = textEncoder.encode(tokens[0], guided ? tokens[1] : null);
        stage(timings, StageTimings.TEXT_ENCODE, t1, graphs.textEncoder(), onnx1);

        Manifest.Latent latent = m.latent();
        int latentFrames = latent.latentFrames(s.frames());
        int h = s.height() / latent.spatialCompression();
        int w = s.width() / latent.spatialCompression();
        long[] shape = {1, latent.channels(), latentFrames, h, w};

        long t2 = System.nanoTime();
        long onnx2 = graphs.denoiserRunNanos();
        scheduler.setTimesteps(s.steps(), m.denoiser().sequenceLength(latentFrames, h, w));
        TorchGenerator generator = TorchGenerator.seeded(s.seed(), s.noiseKernel());
        float[] latents = DenoisingLoop.initialLatents(shape, generator, scheduler.initNoiseSigma());
        Duration[] steps;
        try (Denoiser.Run run = denoiser.begin(shape, text, guidancePerExpert(request, m))) {
            steps = DenoisingLoop.run(scheduler, run, latents, shape, generator, listener);
        } catch (DenoisingLoop.Cancelled c) {
            throw new GenerationCancelledException(c.completedSteps());
        }
        timings.steps(Arrays.asList(steps));
        timings.record(StageTimings.DENOISE, Duration.ofNanos(System.nanoTime() - t2),
                Duration.ofNanos(graphs.denoiserRunNanos() - onnx2));

        long t3 = System.nanoTime();
        long onnx3 = graphs.vaeRunNanos();
        FloatTensor finalLatents = new FloatTensor(shape, latents);
        VideoFrames frames = vae.decode(LatentDenormalizer.apply(finalLatents, m.vae()));
        timings.record(StageTimings.VAE_DECODE, Duration.ofNanos(System.nanoTime() - t3),
                Duration.ofNanos(graphs.vaeRunNanos() - onnx3));
        return new GenerationResult(frames, finalLatents, s, timings, List.copyOf(warnings));
    }

    private static void stage(StageTimings timings, String name, long startNanos, OnnxModel graph, long onnxBefore) {
        Duration onnx = graph == null ? Duration.ZERO : Duration.ofNanos(graph.runNanos() - onnxBefore);
        timings.record(name, Duration.ofNanos(System.nanoTime() - startNanos), onnx);
    }

    private static void warn(Tokens tokens, String which, List<String> warnings) {
        if (!tokens.unknownWords().isEmpty()) {
            warnings.add("The model does not know these words of the " + which + ", so they were ignored: "
                    + String.join(", ", tokens.unknownWords()) + ".");
        }
        if (tokens.truncated()) {
            warnings.add("The " + which + " is longer than the model's " + tokens.ids().length
                    + " tokens and was cut.");
        }
    }

    @Override
    public void close() {
        tokenizer.close();
        graphs.close();
    }
}
