package dev.kino.pipeline;

import java.util.List;

import dev.kino.KinoException;
import dev.kino.model.FixedShapes;
import dev.kino.lora.Lora;
import dev.kino.lora.LoraSessions;
import dev.kino.model.Manifest;
import dev.kino.model.PackageSignatures;
import dev.kino.request.RequestSchema;
import dev.kino.request.Setting;
import dev.kino.request.SettingException;
import dev.kino.noise.TorchGenerator;
import dev.kino.schedule.LinearQuadraticSchedule;
import dev.kino.schedule.Scheduler;
import dev.kino.schedule.SchedulerException;
import dev.kino.schedule.Schedulers;

/**
 * Resolves a request into a {@link GenerationPlan}, once: fills unset fields from the model's defaults,
 * checks them against what the model can make, builds the scheduler and plans its timesteps, and checks
 * that the video fits in memory, all before any expensive work starts. Each problem is one sentence that
 * says what to do instead. Sizes are computed in {@code long}, so no request overflows.
 */
final class Planner {
    private final Manifest m;
    private final PackageSignatures graphs;
    private final String provider;
    private final String modelIdentity;
    private final LoraSessions loras;
    private final PromptCheck prompts;

    /** Refuses a prompt that does not fit the model's text encoders (tokenizers only, no session). */
    @FunctionalInterface
    interface PromptCheck {
        void check(String prompt, String negative, boolean guided);
    }

    Planner(Manifest m, PackageSignatures graphs, String provider, String modelIdentity, LoraSessions loras,
            PromptCheck prompts) {
        this.loras = loras;
        this.prompts = prompts;
        this.m = m;
        this.graphs = graphs;
        this.provider = provider;
        this.modelIdentity = modelIdentity;
    }

    GenerationPlan plan(GenerationRequest r) {
        Manifest.Defaults d = m.defaults();
        Manifest.Latent latent = m.latent();
        r.values().forEach(Planner::check);   // the schema's limits, for requests built in code
        List<Lora> adapters = RequestLoras.of(r);
        if (!adapters.isEmpty()) {
            loras.check(adapters);    // read and mapped onto every expert: a LoRA that does not fit is one sentence
            r = RequestLoras.canonical(r, adapters);
        }
        String prompt = r.prompt();
        int steps = r.steps() != null ? r.steps() : d.steps();
        double guidance = check(RequestSchema.GUIDANCE, r.guidance() != null ? r.guidance() : ownGuidance(0));
        SourceVideo source = SourceVideo.load(r, m);   // video-to-video: its frame count is the video's
        VaceInputs vace = VaceInputs.load(r, m);        // VACE: so is the control video's
        Integer videoFrames = source != null ? Integer.valueOf(source.frames().size())
                : vace != null ? vace.frames() : null;
        int frames = r.frames() != null ? r.frames() : videoFrames != null ? videoFrames : d.frames();
        if (source != null) {
            checkSourceFrames(source, frames, r.frames() != null, latent);
        }
        if (vace != null) {
            vace.check(frames, r.width() != null ? r.width() : d.width(), r.height() != null ? r.height() : d.height());
        }
        if (!latent.acceptsFrames(frames)) {
            throw new KinoException("This model makes videos of " + latent.frameRule() + " frames, so " + frames
                    + " frames cannot be made; try " + nearestFrames(latent, frames) + ".");
        }
        int width = r.width() != null ? r.width() : d.width();
        int height = r.height() != null ? r.height() : d.height();
        int multiple = sizeMultiple(m);
        checkSize("Width", width, multiple);
        checkSize("Height", height, multiple);
        int fps = check(RequestSchema.FPS, r.fps() != null ? r.fps() : d.fps());
        int latentFrames = latent.latentFrames(frames);
        if (latentFrames % m.denoiser().patchSize().get(0) != 0) {
            throw new KinoException("The denoiser groups latent frames by " + m.denoiser().patchSize().get(0)
                    + ", so " + frames + " frames cannot be made; try " + nearestFrames(latent, frames + 1) + ".");
        }
        MemoryCheck.check(m, frames, width, height, dev.kino.denoise.Guidance.enabled(guidance), multiple);
        FixedShapes.check(m, graphs, frames, width, height);
        Pictures pictures = Pictures.load(r, m);     // a picture the model cannot take, or cannot read: say so now

        Scheduler scheduler = scheduler(r.scheduler());
        int cell = latent.spatialCompression();
        int refs = vace == null ? 0 : vace.references().size();     // VACE: a leading latent frame per picture
        long[] shape = {1, latent.channels(), latentFrames + refs, height / cell, width / cell};
        int sequenceLength = m.denoiser().sequenceLength(latentFrames + refs, height / cell, width / cell);
        planTimesteps(scheduler, steps, sequenceLength);

        double[] perExpert = new double[m.denoiser().experts().size()];
        for (int i = 0; i < perExpert.length; i++) {
            perExpert[i] = r.guidance() != null ? r.guidance() : ownGuidance(i);
        }
        String negative = r.negativePrompt() != null ? r.negativePrompt() : d.negativePrompt();
        prompts.check(prompt, negative, dev.kino.denoise.Guidance.enabled(perExpert[0]));
        long seed = r.seed() != null ? r.seed() : 0L;
        TorchGenerator.Kernel kernel = r.noiseKernel() != null ? r.noiseKernel() : TorchGenerator.Kernel.AVX2;
        ResolvedSettings settings = new ResolvedSettings(prompt, negative, steps, guidance, seed, frames, width,
                height, fps, scheduler.name(), provider, kernel);
        int firstStep = source == null ? 0 : source.firstStep(steps);
        if (source != null && !scheduler.noisesSamples()) {
            throw new KinoException("Scheduler " + scheduler.name() + " cannot start from a noised video (video-to-video"
                    + " needs a flow-matching scheduler); leave out --scheduler or the source video.");
        }
        double[] timesteps = new double[steps];
        for (int i = 0; i < steps; i++) {
            timesteps[i] = scheduler.timestep(i);
        }
        return new GenerationPlan(m.name(), modelIdentity, settings, scheduler.config().asMap(), timesteps,
                scheduler.sigmas(), perExpert, shape, sequenceLength, pictures, r, source, firstStep, vace);
    }

    /** The source video must have exactly the frames to make, and they must fit the model's frame rule. */
    private static void checkSourceFrames(SourceVideo source, int frames, boolean asked, Manifest.Latent latent) {
        int has = source.frames().size();
        if (has != frames) {
            throw new KinoException("The source video has " + has + " frames but " + frames + " were asked for; give"
                    + " --frames " + has + " or a source video of " + frames + " frames.");
        }
        if (!asked && !latent.acceptsFrames(has)) {
            throw new KinoException("The source video has " + has + " frames, but this model makes videos of "
                    + latent.frameRule() + " frames; cut it to " + nearestFrames(latent, has) + " frames.");
        }
    }

    /** An expert's own default guidance, else the model's. */
    double ownGuidance(int expert) {
        Double own = m.denoiser().experts().get(expert).guidance();
        return own != null ? own : m.defaults().guidance();
    }

    /** A value (given, or the model's default) checked against its setting's limits in the schema. */
    private static <T> T check(Setting<T> setting, Object value) {
        try {
            return setting.check(value);
        } catch (SettingException e) {
            throw new KinoException(e.sentence(), e);
        }
    }

    /** The model's own scheduler when {@code name} is null, else the named one, checked against the denoiser. */
    Scheduler scheduler(String name) {
        Scheduler s = name == null ? Schedulers.fromConfig(m.scheduler().asMap())
                : Schedulers.byName(name, m.scheduler().asMap());
        Schedulers.checkPrediction(s, m.denoiser().predictionType().manifestName());
        return s;
    }

    /**
     * Plans the run, turning a step count the scheduler cannot plan into one sentence naming the most it can:
     * a model trained on N noise levels offers at most N distinct timesteps (fewer with a steps offset).
     */
    private void planTimesteps(Scheduler scheduler, int steps, int sequenceLength) {
        int train = m.scheduler().trainTimesteps();
        if (steps > train) {
            throw new KinoException("Steps must be at most " + train + " for this model (its scheduler's"
                    + " num_train_timesteps: it was trained on " + train + " noise levels), but " + steps
                    + " was given.");
        }
        if (timestepList(m, scheduler, steps) != null || linspaceSigmas(m, scheduler)) {
            try {
                planSchedule(m, scheduler, steps, sequenceLength);
                return;
            } catch (SchedulerException e) {
                throw new KinoException(e.getMessage(), e);
            }
        }
        try {
            scheduler.setTimesteps(steps, sequenceLength);
        } catch (SchedulerException e) {
            int most = steps - 1;
            while (most >= 1 && !plans(scheduler, most, sequenceLength)) {
                most--;
            }
            if (most < 1) {
                throw e;
            }
            throw new KinoException("Scheduler " + scheduler.name() + " can plan at most " + most + " steps for this"
                    + " model (num_train_timesteps " + train + "), but " + steps + " was given; use " + most
                    + " or fewer.", e);
        }
    }

    /**
     * Plans {@code scheduler} the way the model's own pipeline does. LTXConditionPipeline (distilled LTX-Video)
     * hands a timestep list to {@code set_timesteps}: the model's own list when the run has as many steps,
     * else its linear-quadratic schedule; every other model plans by step count.
     */
    static void planSchedule(Manifest m, Scheduler scheduler, int steps, int sequenceLength) {
        double[] list = timestepList(m, scheduler, steps);
        if (linspaceSigmas(m, scheduler)) {
            double[] sigmas = new double[steps];   // numpy's linspace(1, 0, steps + 1)[:-1]
            for (int i = 0; i < steps; i++) {
                sigmas[i] = i * (-1.0 / steps) + 1.0;
            }
            scheduler.setCustomSigmas(sigmas);
        } else if (list != null) {
            scheduler.setCustomTimesteps(list, true);
        } else {
            scheduler.setTimesteps(steps, sequenceLength);
        }
    }

    /** The pipeline hands the scheduler {@code linspace(1, 0, steps + 1)[:-1]} as sigmas (HunyuanVideo 1.5's). */
    private static boolean linspaceSigmas(Manifest m, Scheduler scheduler) {
        return m.sampling() != null && Manifest.Sampling.LINSPACE_SIGMAS.equals(m.sampling().sigmas())
                && scheduler.takesTimestepList();
    }

    private static double[] timestepList(Manifest m, Scheduler scheduler, int steps) {
        Manifest.Sampling sampling = m.sampling();
        if (sampling == null || !Manifest.Sampling.LTX_CONDITION.equals(sampling.pipeline())
                || !scheduler.takesTimestepList()) {
            return null;
        }
        double[] own = sampling.timesteps();
        return own != null && own.length == steps ? own.clone() : LinearQuadraticSchedule.timesteps(steps);
    }

    private static boolean plans(Scheduler scheduler, int steps, int sequenceLength) {
        try {
            scheduler.setTimesteps(steps, sequenceLength);
            return true;
        } catch (SchedulerException e) {
            return false;
        }
    }

    /** Width and height must map to whole latent cells and whole denoiser patches. */
    static int sizeMultiple(Manifest m) {
        int cell = m.latent().spatialCompression();
        int patch = cell * Math.max(m.denoiser().patchSize().get(1), m.denoiser().patchSize().get(2));
        return lcm(Math.max(m.latent().sizeMultiple(), 1), patch);
    }

    private static void checkSize(String what, int value, int multiple) {
        if (value < multiple || value % multiple != 0) {
            long lower = Math.max(multiple, (long) value / multiple * multiple);
            long upper = lower + multiple;
            throw new KinoException(what + " must be a positive multiple of " + multiple + " pixels for this model, but "
                    + value + " was given; try " + lower + (value > multiple ? " or " + upper : "") + ".");
        }
    }

    private static int nearestFrames(Manifest.Latent latent, int frames) {
        for (long delta = 0; ; delta++) {
            if (frames + delta <= Integer.MAX_VALUE && latent.acceptsFrames((int) (frames + delta))) {
                return (int) (frames + delta);
            }
            if (frames - delta >= 1 && latent.acceptsFrames((int) (frames - delta))) {
                return (int) (frames - delta);
            }
        }
    }

    private static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }
}
