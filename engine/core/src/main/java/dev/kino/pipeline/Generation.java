package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.condition.SourceLatents;
import dev.kino.condition.VaeEncoder;
import dev.kino.denoise.Denoiser;
import dev.kino.denoise.DenoiserCondition;
import dev.kino.denoise.DenoisingLoop;
import dev.kino.DivergedException;
import dev.kino.denoise.Guidance;
import dev.kino.denoise.StepListener;
import dev.kino.model.Manifest;
import dev.kino.noise.TorchGenerator;
import dev.kino.runtime.OnnxModel;
import dev.kino.schedule.Scheduler;
import dev.kino.tensor.FloatTensor;
import dev.kino.text.TextEmbeddings;
import dev.kino.text.TextStage;
import dev.kino.text.Tokens;
import dev.kino.vae.DecodeNoise;
import dev.kino.vae.LatentDenormalizer;
import dev.kino.video.VideoFrames;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One run of a plan through the pipeline's stages, in data-flow order. */
final class Generation {
    private final TextToVideoPipeline p;
    private final GenerationPlan plan;
    private final GenerationOptions options;
    private final StageTimings.Recorder timings = new StageTimings.Recorder();
    private final List<String> warnings = new ArrayList<>();

    Generation(TextToVideoPipeline pipeline, GenerationPlan plan, GenerationOptions options) {
        this.p = pipeline;
        this.plan = plan;
        this.options = options;
    }

    GenerationResult run() {
        Scheduler scheduler = p.schedulerFor(plan);
        Checkpoint resume = options.resumeFrom();
        if (resume != null) {
            checkResumable(resume);
        }
        ResolvedSettings s = plan.settings().on(p.provider().label()); // a stored plan names no device, or another
        Manifest m = p.manifest();
        double[] guidance = plan.guidance();
        boolean guided = Guidance.enabled(guidance[0]);

        long t0 = System.nanoTime();
        TextStage.Tokenized tokenized = p.text().tokenize(s.prompt(), s.negativePrompt(), guided);
        Tokens[] tokens = tokenized.first();
        warn(tokens[0], "prompt");
        if (guided) {
            warn(tokens[1], "negative prompt");
        }
        timings.record(StageTimings.TOKENIZE, since(t0), Duration.ZERO, 0);

        List<OnnxModel> textGraphs = p.graphs().textEncoders();
        long t1 = System.nanoTime();
        long onnx1 = textGraphs.stream().mapToLong(OnnxModel::runNanos).sum();
        long runs1 = textGraphs.stream().mapToLong(OnnxModel::runCount).sum();
        TextEmbeddings text = p.text().encode(tokenized);
        timings.record(StageTimings.TEXT_ENCODE, since(t1),
                Duration.ofNanos(textGraphs.stream().mapToLong(OnnxModel::runNanos).sum() - onnx1),
                textGraphs.stream().mapToLong(OnnxModel::runCount).sum() - runs1);

        DenoiserCondition condition = Conditioner.withoutPictures(m, plan.latentShape());
        if (plan.vace() != null) {
            List<OnnxModel> graphs = p.graphs().conditioningGraphs();
            long tc = System.nanoTime();
            long onnxC = graphs.stream().mapToLong(OnnxModel::runNanos).sum();
            long runsC = graphs.stream().mapToLong(OnnxModel::runCount).sum();
            condition = Conditioner.vace(m, p.graphs(), plan.vace(), s);
            timings.record(StageTimings.CONTROL_ENCODE, since(tc),
                    Duration.ofNanos(graphs.stream().mapToLong(OnnxModel::runNanos).sum() - onnxC),
                    graphs.stream().mapToLong(OnnxModel::runCount).sum() - runsC);
        }
        if (plan.pictures() != null) {
            List<OnnxModel> graphs = p.graphs().conditioningGraphs();
            long tc = System.nanoTime();
            long onnxC = graphs.stream().mapToLong(OnnxModel::runNanos).sum();
            long runsC = graphs.stream().mapToLong(OnnxModel::runCount).sum();
            condition = Conditioner.condition(m, p.graphs(), plan.pictures(), s, warnings);
            timings.record(StageTimings.IMAGE_ENCODE, since(tc),
                    Duration.ofNanos(graphs.stream().mapToLong(OnnxModel::runNanos).sum() - onnxC),
                    graphs.stream().mapToLong(OnnxModel::runCount).sum() - runsC);
        }

        long[] shape = plan.latentShape();
        float[] source = null;
        if (resume == null && plan.sourceVideo() != null) {
            List<OnnxModel> graphs = p.graphs().conditioningGraphs();
            long tv = System.nanoTime();
            long onnxV = graphs.stream().mapToLong(OnnxModel::runNanos).sum();
            long runsV = graphs.stream().mapToLong(OnnxModel::runCount).sum();
            source = sourceLatents(shape);
            timings.record(StageTimings.VIDEO_ENCODE, since(tv),
                    Duration.ofNanos(graphs.stream().mapToLong(OnnxModel::runNanos).sum() - onnxV),
                    graphs.stream().mapToLong(OnnxModel::runCount).sum() - runsV);
        }
        try (LoraDenoisers.Lease denoiser = p.denoiserFor(plan)) {   // LoRA sessions open here, before timing
            return denoiseAndDecode(denoiser, scheduler, resume, text, condition, shape, source, s, m, guidance);
        }
    }

    private GenerationResult denoiseAndDecode(LoraDenoisers.Lease denoiser, Scheduler scheduler, Checkpoint resume,
                                              TextEmbeddings text, DenoiserCondition condition, long[] shape,
                                              float[] source,
                                              ResolvedSettings s, Manifest m, double[] guidance) {
        long t2 = System.nanoTime();
        long onnx2 = denoiser.runNanos().getAsLong();
        long runs2 = denoiser.runCount().getAsLong();
        TorchGenerator generator;
        float[] latents;
        int first;
        if (source != null) {
            generator = TorchGenerator.seeded(s.seed(), s.noiseKernel());
            float[] noise = DenoisingLoop.initialLatents(shape, generator, 1.0f);
            scheduler.addNoise(source, noise, plan.firstStep());
            latents = source;
            first = plan.firstStep();
        } else if (resume == null) {
            generator = TorchGenerator.seeded(s.seed(), s.noiseKernel());
            latents = DenoisingLoop.initialLatents(shape, generator, scheduler.initNoiseSigma());
            first = 0;
        } else {
            generator = TorchGenerator.fromState(resume.generatorState());
            latents = resume.latentData().clone();
            scheduler.restoreState(resume.schedulerState());
            first = resume.completedSteps();
        }
        float[] scales = new float[guidance.length];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) guidance[i];
        }
        Duration[] steps;
        try (Denoiser.Run run = denoiser.denoiser().begin(shape, text, scales, condition.withFrameRate(s.fps()))) {
            steps = DenoisingLoop.run(scheduler, run, latents, shape, generator, first,
                    listener(scheduler, generator, latents, shape));
        } catch (DenoisingLoop.Cancelled c) {
            throw new GenerationCancelledException(c.completedSteps());
        }
        Conditioner.restoreFirstFrame(condition, latents, shape);
        timings.steps(Arrays.asList(steps));
        timings.record(StageTimings.DENOISE, since(t2), Duration.ofNanos(denoiser.runNanos().getAsLong() - onnx2),
                denoiser.runCount().getAsLong() - runs2);

        long t3 = System.nanoTime();
        long onnx3 = p.graphs().vaeRunNanos();
        long runs3 = p.graphs().vaeRunCount();
        FloatTensor finalLatents = dropLeadingFrames(new FloatTensor(shape, latents), plan.referenceFrames());
        FloatTensor z = LatentDenormalizer.apply(finalLatents, m.vae());
        if (m.vae().decodeNoise() != null) {     // LTX-Video: the generator's next draw, after the loop
            z = DecodeNoise.mix(z, m.vae().decodeNoise(), generator);
        }
        // LTX-Video 0.9.1: the decoder's own noise planes, the generator's next draws
        VideoFrames frames = p.vae().decode(z, DecodeNoise.injected(m.vae().injectedNoise(), z.dim(3), z.dim(4),
                generator));
        checkNotFlat(frames);
        timings.record(StageTimings.VAE_DECODE, since(t3), Duration.ofNanos(p.graphs().vaeRunNanos() - onnx3),
                p.graphs().vaeRunCount() - runs3);
        return new GenerationResult(frames, finalLatents, s, timings.done(), List.copyOf(warnings),
                List.copyOf(denoiser.expertSessions()));
    }

    /**
     * Video-to-video, as {@code WanVideoToVideoPipeline.prepare_latents}: the source video's normalised latents
     * (the loop then noises them with the generator's first draw at the first step's noise level).
     */
    private float[] sourceLatents(long[] shape) {
        SourceVideo src = plan.sourceVideo();
        ResolvedSettings s = plan.settings();
        VaeEncoder encoder = VaeEncoder.of(p.manifest().videoEncoder(), p.graphs());
        float[] clean = SourceLatents.encode(p.manifest(), encoder, src.frames(), s.width(), s.height(), src.fit())
                .data();
        if (clean.length != FloatTensor.numel(shape)) {
            throw new KinoException("The VAE encoder made latents of another size than the denoiser takes; re-export"
                    + " the model.");
        }
        return clean;
    }

    /** VACE: the reference pictures' latent frames come first and are not part of the video. */
    private static FloatTensor dropLeadingFrames(FloatTensor latents, int drop) {
        if (drop == 0) {
            return latents;
        }
        long[] s = latents.shape();
        int frames = (int) s[2];
        int plane = (int) (s[3] * s[4]);
        int keep = frames - drop;
        float[] out = new float[(int) (s[0] * s[1]) * keep * plane];
        for (int c = 0; c < s[0] * s[1]; c++) {
            System.arraycopy(latents.data(), (c * frames + drop) * plane, out, c * keep * plane, keep * plane);
        }
        return new FloatTensor(new long[] {s[0], s[1], keep, s[3], s[4]}, out);
    }

    /**
     * The caller's listener, preceded by checkpointing and followed by the pipeline's own stop: a closing
     * pipeline cancels at the next step.
     */
    private StepListener listener(Scheduler scheduler, TorchGenerator generator, float[] latents, long[] shape) {
        int every = options.checkpointEvery();
        return event -> {
            int done = event.step() + 1;
            if (every > 0 && done % every == 0 && done < event.steps()) {
                options.checkpointSink().save(new Checkpoint(plan.fingerprint(), done,
                        new FloatTensor(shape, latents.clone()), scheduler.saveState(), generator.saveState()));
            }
            return options.listener().onStep(event) && !p.closing();
        };
    }

    private void checkResumable(Checkpoint c) {
        if (!c.planFingerprint().equals(plan.fingerprint())) {
            throw new KinoException("The checkpoint belongs to another generation plan (fingerprint "
                    + c.planFingerprint().substring(0, Math.min(12, c.planFingerprint().length())) + ", this plan "
                    + plan.fingerprint().substring(0, 12) + "); resume it with the plan it was saved under.");
        }
        if (c.completedSteps() < 1 || c.completedSteps() >= plan.steps()
                || !Arrays.equals(c.latents().shape(), plan.latentShape())) {
            throw new KinoException("The checkpoint does not fit its plan (" + c.completedSteps() + " of "
                    + plan.steps() + " steps done); it is damaged, start the generation again.");
        }
    }

    /**
     * A video whose every pixel has one value is what NaN turned to black, a dead VAE or saturated latents
     * look like; no prompt asks for it.
     */
    private static void checkNotFlat(VideoFrames frames) {
        byte first = frames.frame(0)[0];
        for (int i = 0; i < frames.count(); i++) {
            for (byte b : frames.frame(i)) {
                if (b != first) {
                    return;
                }
            }
        }
        throw new DivergedException("The decoded video is one flat colour (every pixel " + (first & 0xff) + "): the"
                + " latents or the VAE's output went out of range; try a lower guidance, check the VAE's weights,"
                + " or re-export the model.", -1);
    }

    private void warn(Tokens tokens, String which) {
        if (!tokens.unknownWords().isEmpty()) {
            warnings.add("The model does not know these words of the " + which + ", so they were ignored: "
                    + String.join(", ", tokens.unknownWords()) + ".");
        }
        if (tokens.truncated()) {
            warnings.add("The " + which + " is longer than the model's " + tokens.ids().length
                    + " tokens and was cut.");
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
