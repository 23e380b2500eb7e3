package dev.kino.bench.jmh;

import dev.kino.noise.TorchGenerator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Latents of Wan 2.1 at 480p, 81 frames: {@code [1, 16, 21, 60, 104]} (about 2.1 M floats), and the
 * scheduler configs the benchmarks build from.
 */
final class WanLatents {
    static final int SIZE = 16 * 21 * 60 * 104;
    /** Tokens the Wan denoiser sees at this size (patch 1x2x2): 21 x 30 x 52. */
    static final int SEQUENCE_LENGTH = 21 * 30 * 52;
    static final int STEPS = 50;

    private WanLatents() {
    }

    static float[] noise(long seed) {
        float[] x = new float[SIZE];
        TorchGenerator.seeded(seed).randn(x);
        return x;
    }

    /** A plausible denoiser output: smooth in value, never zero. */
    static float[] output(float[] latents) {
        float[] out = new float[latents.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = 0.3f * latents[i] + 0.05f;
        }
        return out;
    }

    /** Wan 2.1's own scheduler config (UniPC on flow sigmas, shift 3). */
    static Map<String, Object> wanConfig() {
        Map<String, Object> m = new HashMap<>();
        m.put("_class_name", "UniPCMultistepScheduler");
        m.put("beta_schedule", "linear");
        m.put("beta_start", 0.0001);
        m.put("beta_end", 0.02);
        m.put("flow_shift", 3.0);
        m.put("prediction_type", "flow_prediction");
        m.put("use_flow_sigmas", true);
        m.put("disable_corrector", List.of());
        return m;
    }

    /** A Stable-Diffusion-style config for the noise-prediction schedulers. */
    static Map<String, Object> sdConfig() {
        Map<String, Object> m = new HashMap<>();
        m.put("_class_name", "DDIMScheduler");
        m.put("beta_schedule", "scaled_linear");
        m.put("beta_start", 0.00085);
        m.put("beta_end", 0.012);
        m.put("clip_sample", false);
        m.put("set_alpha_to_one", false);
        m.put("steps_offset", 1);
        return m;
    }
}
