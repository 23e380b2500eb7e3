package dev.kino.schedule;

import dev.kino.noise.TorchGenerator;

/**
 * diffusers' {@code EulerDiscreteScheduler} (Karras et al. 2022, Algorithm 2 without churn): one Euler step
 * of the probability-flow ODE per denoiser call, optionally on Karras or exponential sigmas.
 *
 * <p>Timesteps are fractional float32 values when the sigmas are re-spaced (they are found by inverting the
 * training sigmas in log space), which the denoiser receives as is.
 */
final class EulerScheduler extends EulerFamilyScheduler {
    static final String CLASS_NAME = "EulerDiscreteScheduler";

    private final SigmaSpacing sigmaSpacing;
    private final Double sigmaMinOverride;
    private final Double sigmaMaxOverride;
    private final boolean finalSigmaMin;
    private final boolean continuousTimesteps;

    EulerScheduler(String name, SchedulerConfig config) {
        super(name, config, CLASS_NAME);
        String interpolation = config.getString("interpolation_type", "linear");
        if (!"linear".equals(interpolation)) {
            throw new SchedulerException("Scheduler setting 'interpolation_type' is '" + interpolation
                    + "'; Kino's Euler supports only 'linear' (use 'use_karras_sigmas' for another spacing).");
        }
        this.sigmaSpacing = SigmaSpacing.read(config, CLASS_NAME);
        this.sigmaMinOverride = config.getNullableDouble("sigma_min");
        this.sigmaMaxOverride = config.getNullableDouble("sigma_max");
        this.finalSigmaMin = FinalSigma.isSigmaMin(config);
        String timestepType = config.getString("timestep_type", "discrete");
        if (!"discrete".equals(timestepType) && !"continuous".equals(timestepType)) {
            throw new SchedulerException("Scheduler setting 'timestep_type' is '" + timestepType
                    + "'; use discrete or continuous.");
        }
        // diffusers only switches to log-sigma timesteps for continuous v-prediction models.
        this.continuousTimesteps = "continuous".equals(timestepType) && predictionType() == PredictionType.V_PREDICTION;
    }

    @Override
    public boolean integerTimesteps() {
        return false;
    }

    @Override
    public void setTimesteps(int steps, int sequenceLength) {
        checkSteps(steps);
        double[] t = spacedTimesteps(steps);
        double[] s = interpolatedSigmas(t);
        double sigmaMin = sigmaMinOverride != null ? sigmaMinOverride : s[s.length - 1];
        double sigmaMax = sigmaMaxOverride != null ? sigmaMaxOverride : s[0];
        double[] respaced = sigmaSpacing.respace(sigmaMin, sigmaMax, steps);
        if (respaced != null) {
            float[] logSigmas = schedule.logSigmas();
            s = respaced;
            t = new double[s.length];
            for (int i = 0; i < s.length; i++) {
                t[i] = SigmaSchedules.sigmaToT(s[i], logSigmas);
            }
        }
        float last = finalSigmaMin ? schedule.firstSigma() : 0f;
        sigmas = Numerics.narrow(Numerics.append(s, last));
        if (continuousTimesteps) {
            for (int i = 0; i < t.length; i++) {
                t[i] = 0.25f * Numerics.logf(sigmas[i]);
            }
        } else {
            for (int i = 0; i < t.length; i++) {
                t[i] = (float) t[i];
            }
        }
        timesteps = t;
    }

    @Override
    public void step(float[] modelOutput, int i, float[] sample, TorchGenerator generator) {
        checkStep(i);
        checkSameLength(modelOutput, sample);
        float sigma = sigmas[i];
        // No churn (s_churn = 0): sigma_hat = sigma * (0 + 1).
        float sigmaHat = sigma * 1.0f;
        float dt = sigmas[i + 1] - sigmaHat;
        PredictionType type = predictionType();
        float c = vOutputCoefficient(sigma);
        float d = vSampleDivisor(sigma);
        Tiles.run(sample.length, (from, to) -> {
            for (int k = from; k < to; k++) {
                float x = sample[k];
                float x0;
                if (type == PredictionType.EPSILON) {
                    x0 = x - sigmaHat * modelOutput[k];
                } else if (type == PredictionType.V_PREDICTION) {
                    x0 = modelOutput[k] * c + x / d;
                } else { // SAMPLE: the output is x0
                    x0 = modelOutput[k];
                }
                sample[k] = x + ((x - x0) / sigmaHat) * dt;
            }
        });
    }
}
