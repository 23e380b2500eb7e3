package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.noise.TorchGenerator;

/**
 * Fills a request's unset fields from the model's defaults and checks the result against what the model
 * can make, before any expensive work starts. Each problem is one sentence that says what to do instead.
 */
final class RequestResolver {
    private RequestResolver() {
    }

    static ResolvedSettings resolve(GenerationRequest r, Manifest m, String schedulerName, String provider) {
        Manifest.Defaults d = m.defaults();
        Manifest.Latent latent = m.latent();
        String prompt = r.prompt() == null ? "" : r.prompt();
        if (prompt.isBlank()) {
            throw new KinoException("The prompt is empty; describe the video to make, e.g. \"a red circle moving right\".");
        }
        int steps = r.steps() != null ? r.steps() : d.steps();
        if (steps < 1) {
            throw new KinoException("Steps must be at least 1, but " + steps + " was given; try " + d.steps() + ".");
        }
        if (steps > 1000) {
            throw new KinoException("Steps must be at most 1000 (the schedulers' training range), but " + steps
                    + " was given.");
        }
        Double ownGuidance = m.denoiser().experts().get(0).guidance();
        double guidance = r.guidance() != null ? r.guidance() : ownGuidance != null ? ownGuidance : d.guidance();
        if (!Double.isFinite(guidance) || guidance < 0) {
            throw new KinoException("Guidance must be a number of 0 or more (1 or less turns it off), but "
                    + guidance + " was given.");
        }
        int frames = r.frames() != null ? r.frames() : d.frames();
        if (!latent.acceptsFrames(frames)) {
            throw new KinoException("This model makes videos of " + latent.frameRule() + " frames, so " + frames
                    + " frames cannot be made; try " + nearestFrames(latent, frames) + ".");
        }
        int width = r.width() != null ? r.width() : d.width();
        int height = r.height() != null ? r.height() : d.height();
        int multiple = sizeMultiple(m);
        checkSize("Width", width, multiple);
        checkSize("Height", height, multiple);
        int fps = r.fps() != null ? r.fps() : d.fps();
        if (fps < 1 || fps > 240) {
            throw new KinoException("The frame rate must be between 1 and 240 fps, but " + fps + " was given.");
        }
        int latentFrames = latent.latentFrames(frames);
        if (latentFrames % m.denoiser().patchSize().get(0) != 0) {
            throw new KinoException("The denoiser groups latent frames by " + m.denoiser().patchSize().get(0)
                    + ", so " + frames + " frames cannot be made; try " + nearestFrames(latent, frames + 1) + ".");
        }
        String negative = r.negativePrompt() != null ? r.negativePrompt() : d.negativePrompt();
        long seed = r.seed() != null ? r.seed() : 0L;
        TorchGenerator.Kernel kernel = r.noiseKernel() != null ? r.noiseKernel() : TorchGenerator.Kernel.AVX2;
        return new ResolvedSettings(prompt, negative, steps, guidance, seed, frames, width, height, fps,
                schedulerName, provider, kernel);
    }

    /** Width and height must map to whole latent cells and whole denoiser patches. */
    static int sizeMultiple(Manifest m) {
        int cell = m.latent().spatialCompression();
        int patch = cell * Math.max(m.denoiser().patchSize().get(1), m.denoiser().patchSize().get(2));
        return lcm(Math.max(m.latent().sizeMultiple(), 1), patch);
    }

    private static void checkSize(String what, int value, int multiple) {
        if (value < multiple || value % multiple != 0) {
            int lower = Math.max(multiple, value / multiple * multiple);
            int upper = lower + multiple;
            throw new KinoException(what + " must be a positive multiple of " + multiple + " pixels for this model, but "
                    + value + " was given; try " + lower + (lower != upper && value > multiple ? " or " + upper : "") + ".");
        }
    }

    private static int nearestFrames(Manifest.Latent latent, int frames) {
        for (int delta = 0; ; delta++) {
            if (latent.acceptsFrames(frames + delta)) {
                return frames + delta;
            }
            if (frames - delta >= 1 && latent.acceptsFrames(frames - delta)) {
                return frames - delta;
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
