package dev.kino.schedule;

/**
 * What diffusers' Euler-family schedulers (Euler, Euler Ancestral) share, the "k-diffusion" formulation of
 * Karras et al. 2022 (whatever the sigma spacing, Karras or not): latents live at noise level sigma, so the
 * initial noise is scaled by the largest sigma and the denoiser sees the latents divided by
 * {@code sqrt(sigma^2 + 1)}.
 */
abstract class EulerFamilyScheduler extends BaseScheduler {
    protected final TrainingSchedule schedule;
    protected final String spacing;
    protected final int stepsOffset;

    EulerFamilyScheduler(String name, SchedulerConfig config, String className) {
        super(name, config, PredictionType.fromDiffusers(config.getString("prediction_type", "epsilon")));
        if (predictionType() == PredictionType.FLOW) {
            throw new SchedulerException(className + " cannot sample a flow-matching model (prediction_type "
                    + "flow_prediction); choose a flow scheduler such as flow-euler or flow-unipc.");
        }
        this.schedule = TrainingSchedule.from(config, true);
        this.spacing = TimestepSpacing.read(config, "linspace");
        this.stepsOffset = config.getInt("steps_offset", 0);
    }

    /**
     * {@code init_noise_sigma}: the largest sigma, or {@code sqrt(max^2 + 1)} under {@code leading} spacing
     * (float32 tensor arithmetic).
     */
    @Override
    public float initNoiseSigma() {
        if (sigmas == null) {
            throw new IllegalStateException("setTimesteps must be called before initNoiseSigma.");
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float s : sigmas) {
            max = Math.max(max, s);
        }
        return "leading".equals(spacing) ? Numerics.sqrtf(max * max + 1) : max;
    }

    /** {@code sample / (sigma^2 + 1) ** 0.5}: the denoiser was trained on unit-variance inputs. */
    @Override
    public void scaleModelInput(float[] sample, int i, float[] out) {
        checkStep(i);
        float sigma = sigmas[i];
        float scale = Numerics.sqrtf(sigma * sigma + 1);
        Tiles.run(sample.length, (from, to) -> {
            for (int k = from; k < to; k++) {
                out[k] = sample[k] / scale;
            }
        });
    }

    /** Training-schedule timesteps per {@code timestep_spacing}, as float32 values (Euler keeps them float). */
    double[] spacedTimesteps(int steps) {
        return TimestepSpacing.perStep(spacing, schedule.trainSteps, steps, stepsOffset, false);
    }

    /** The training sigmas interpolated at (fractional) timesteps: {@code np.interp} in float64. */
    double[] interpolatedSigmas(double[] t) {
        return Numerics.interpOnIndex(t, schedule.sigmas);
    }

    /**
     * x0 predicted from a v-prediction at noise level sigma, per element:
     * {@code model_output * (-sigma / (sigma^2+1)^0.5) + sample / (sigma^2+1)}; these are its two coefficients.
     */
    static float vOutputCoefficient(float sigma) {
        return -sigma / Numerics.sqrtf(sigma * sigma + 1);
    }

    static float vSampleDivisor(float sigma) {
        return sigma * sigma + 1;
    }
}
