package dev.kino.schedule;

import java.util.Locale;

/**
 * What the denoiser predicts, which decides how a scheduler turns its output into the next latents. The
 * scheduler config names it with diffusers' words ({@code prediction_type}); the Kino manifest's
 * {@code denoiser.prediction_type} uses {@code epsilon}, {@code v_prediction} or {@code flow}.
 */
public enum PredictionType {
    /** The noise that was added (DDPM, Stable Diffusion 1.x). */
    EPSILON("epsilon", "epsilon"),
    /** The velocity {@code alpha*noise - sigma*x0} (SD 2.x 768, many video UNets). */
    V_PREDICTION("v_prediction", "v_prediction"),
    /** The clean sample x0 itself. */
    SAMPLE("sample", "sample"),
    /** The flow-matching velocity {@code noise - x0} (Wan, LTX-Video, SD3). */
    FLOW("flow_prediction", "flow");

    private final String diffusersName;
    private final String manifestName;

    PredictionType(String diffusersName, String manifestName) {
        this.diffusersName = diffusersName;
        this.manifestName = manifestName;
    }

    /** The value of diffusers' {@code prediction_type} config key. */
    public String diffusersName() {
        return diffusersName;
    }

    /** The value of the Kino manifest's {@code denoiser.prediction_type}. */
    public String manifestName() {
        return manifestName;
    }

    /** Parses diffusers' {@code prediction_type} ({@code original_sample} is diffusers' older spelling of sample). */
    public static PredictionType fromDiffusers(String name) {
        for (PredictionType p : values()) {
            if (p.diffusersName.equals(name)) {
                return p;
            }
        }
        if ("original_sample".equals(name)) {
            return SAMPLE;
        }
        throw new SchedulerException("Scheduler setting 'prediction_type' is '" + name
                + "'; use epsilon, v_prediction, sample or flow_prediction.");
    }

    /** Parses the manifest's {@code denoiser.prediction_type}; diffusers' spellings are accepted too. */
    public static PredictionType fromManifest(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (PredictionType p : values()) {
            if (p.manifestName.equals(n) || p.diffusersName.equals(n)) {
                return p;
            }
        }
        throw new SchedulerException("Manifest denoiser.prediction_type is '" + name
                + "'; use epsilon, v_prediction or flow.");
    }
}
