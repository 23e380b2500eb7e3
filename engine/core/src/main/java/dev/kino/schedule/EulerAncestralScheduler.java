package dev.kino.schedule;

import dev.kino.noise.TorchGenerator;

/**
 * diffusers' {@code EulerAncestralDiscreteScheduler}: an Euler step down to {@code sigma_down}, then fresh
 * Gaussian noise of size {@code sigma_up} (k-diffusion's ancestral sampling with eta 1).
 *
 * <p>Every step, including the last, draws one {@code torch.randn} of the latent size from the run's
 * generator, so a seed reproduces diffusers' result when the same generator drew the initial noise.
 */
final class EulerAncestralScheduler extends EulerFamilyScheduler {
    static final String CLASS_NAME = "EulerAncestralDiscreteScheduler";

    /** Fresh noise for the current step; sized once per run. */
    private float[] noise;

    EulerAncestralScheduler(String name, SchedulerConfig config) {
        super(name, config, CLASS_NAME);
        if (predictionType() == PredictionType.SAMPLE) {
            throw new SchedulerException("Euler Ancestral does not support prediction_type 'sample' "
                    + "(neither does diffusers); use euler or ddim for this model.");
        }
    }

    @Override
    public boolean integerTimesteps() {
        return false;
    }

    @Override
    public void setTimesteps(int steps, int sequenceLength) {
        checkSteps(steps);
        double[] t = spacedTimesteps(steps);
        sigmas = Numerics.narrow(Numerics.append(interpolatedSigmas(t), 0.0));
        timesteps = t;
    }

    @Override
    public void step(float[] modelOutput, int i, float[] sample, TorchGenerator generator) {
        checkStep(i);
        checkSameLength(modelOutput, sample);
        if (generator == null) {
            throw new IllegalArgumentException("Euler Ancestral draws fresh noise at every step and needs the run's "
                    + "TorchGenerator.");
        }
        float sigma = sigmas[i];
        float sigmaTo = sigmas[i + 1];
        float sigmaTo2 = sigmaTo * sigmaTo;
        float sigmaFrom2 = sigma * sigma;
        float sigmaUp = Numerics.sqrtf(sigmaTo2 * (sigmaFrom2 - sigmaTo2) / sigmaFrom2);
        float sigmaDown = Numerics.sqrtf(sigmaTo2 - sigmaUp * sigmaUp);
        float dt = sigmaDown - sigma;
        int n = sample.length;
        noise = workArray(noise, n);
        generator.randn(noise);
        float[] z = noise;
        boolean epsilon = predictionType() == PredictionType.EPSILON;
        float c = vOutputCoefficient(sigma);
        float d = vSampleDivisor(sigma);
        Tiles.run(n, (from, to) -> {
            for (int k = from; k < to; k++) {
                float x = sample[k];
                float x0 = epsilon ? x - sigma * modelOutput[k] : modelOutput[k] * c + x / d;
                float prev = x + ((x - x0) / sigma) * dt;
                sample[k] = prev + z[k] * sigmaUp;
            }
        });
    }
}
