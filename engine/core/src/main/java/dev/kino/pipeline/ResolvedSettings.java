package dev.kino.pipeline;

import dev.kino.noise.TorchGenerator;

/** The settings a run used once the model's defaults were filled in. */
public record ResolvedSettings(String prompt, String negativePrompt, int steps, double guidance, long seed,
                               int frames, int width, int height, int fps, String scheduler,
                               String executionProvider, TorchGenerator.Kernel noiseKernel) {
}
