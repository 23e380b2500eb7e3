package dev.kino.pipeline;

import dev.kino.noise.TorchGenerator;

/** The settings a run used once the model's defaults were filled in. */
public record ResolvedSettings(String prompt, String negativePrompt, int steps, double guidance, long seed,
                               int frames, int width, int height, int fps, String scheduler,
                               String executionProvider, TorchGenerator.Kernel noiseKernel) {

    /** The same settings as run on {@code provider} (what a result reports: where it was computed). */
    public ResolvedSettings on(String provider) {
        return new ResolvedSettings(prompt, negativePrompt, steps, guidance, seed, frames, width, height, fps,
                scheduler, provider, noiseKernel);
    }
}
