package dev.kino.schedule;

import dev.kino.noise.TorchGenerator;

/**
 * diffusers' {@code DDIMScheduler} with eta 0 (deterministic DDIM, Song et al. 2020, eq. 12): from the
 * model output it predicts x0 and the noise, then jumps to the previous timestep along that direction.
 *
 * <p>All per-step coefficients are float32 scalars computed as torch computes 0-dim tensors; the element
 * loop evaluates the same float32 operations in the same order, so results match diffusers bit for bit.
 */
final class DdimScheduler extends BaseScheduler {
    static final String CLASS_NAME = "DDIMScheduler";

    private final TrainingSchedule schedule;
    private final String spacing;
    private final int stepsOffset;
    private final boolean clipSample;
    private final float clipRange;
    /** alphas_cumprod "before" timestep 0: 1 with {@code set_alpha_to_one}, else alphas_cumprod[0]. */
    private final float finalAlphaCumprod;
    private int numInferenceSteps;

    DdimScheduler(String name, SchedulerConfig config) {
        super(name, config, PredictionType.fromDiffusers(config.getString("prediction_type", "epsilon")));
        if (predictionType() == PredictionType.FLOW) {
            throw new SchedulerException("DDIM cannot sample a flow-matching model (prediction_type "
                    + "flow_prediction); choose a flow scheduler such as flow-euler or flow-unipc.");
        }
        this.schedule = TrainingSchedule.from(config, false);
        this.spacing = TimestepSpacing.read(config, "leading");
        this.stepsOffset = config.getInt("steps_offset", 0);
        this.clipSample = config.getBoolean("clip_sample", true);
        this.clipRange = (float) config.getDouble("clip_sample_range", 1.0);
        boolean alphaToOne = config.getBoolean("set_alpha_to_one", true);
        this.finalAlphaCumprod = alphaToOne ? 1.0f : schedule.alphasCumprod[0];
        Thresholding.rejectIfEnabled(config, CLASS_NAME);
    }

    @Override
    public boolean integerTimesteps() {
        return true;
    }

    @Override
    public void setTimesteps(int steps, int sequenceLength) {
        checkSteps(steps);
        if (steps > schedule.trainSteps) {
            throw new SchedulerException("DDIM can take at most " + schedule.trainSteps + " steps (the model's "
                    + "training timesteps), not " + steps + ".");
        }
        numInferenceSteps = steps;
        double[] t = TimestepSpacing.perStep(spacing, schedule.trainSteps, steps, stepsOffset, true);
        for (double v : t) {
            if (v < 0 || v >= schedule.trainSteps) {
                throw new SchedulerException("DDIM timestep " + (long) v + " falls outside the training range 0.."
                        + (schedule.trainSteps - 1) + "; lower 'steps_offset' or use another 'timestep_spacing'.");
            }
        }
        timesteps = t;
    }

    /** alphas_cumprod at step i's timestep and at the timestep it moves to. */
    float alphaCumprodAt(int i) {
        return schedule.alphasCumprod[(int) timestep(i)];
    }

    float alphaCumprodPrev(int i) {
        int prev = (int) timestep(i) - schedule.trainSteps / numInferenceSteps;
        return prev >= 0 ? schedule.alphasCumprod[prev] : finalAlphaCumprod;
    }

    @Override
    public void step(float[] modelOutput, int i, float[] sample, TorchGenerator generator) {
        checkStep(i);
        checkSameLength(modelOutput, sample);
        float alphaProd = alphaCumprodAt(i);
        float alphaProdPrev = alphaCumprodPrev(i);
        float betaProd = 1 - alphaProd;
        float sqrtAlpha = Numerics.sqrtf(alphaProd);
        float sqrtBeta = Numerics.sqrtf(betaProd);
        float sqrtAlphaPrev = Numerics.sqrtf(alphaProdPrev);
        // eta = 0: the noise std is 0*variance^0.5, so the direction coefficient is sqrt(1 - a_prev - 0).
        float variance = ((1 - alphaProdPrev) / betaProd) * (1 - alphaProd / alphaProdPrev);
        float std = 0.0f * Numerics.sqrtf(variance);
        float direction = Numerics.sqrtf(1 - alphaProdPrev - std * std);
        PredictionType type = predictionType();
        Tiles.run(sample.length, (from, to) -> {
            for (int k = from; k < to; k++) {
                float x = sample[k];
                float m = modelOutput[k];
                float x0;
                float eps;
                if (type == PredictionType.EPSILON) {
                    x0 = (x - sqrtBeta * m) / sqrtAlpha;
                    eps = m;
                } else if (type == PredictionType.SAMPLE) {
                    x0 = m;
                    eps = (x - sqrtAlpha * x0) / sqrtBeta;
                } else { // V_PREDICTION
                    x0 = sqrtAlpha * x - sqrtBeta * m;
                    eps = sqrtAlpha * m + sqrtBeta * x;
                }
                if (clipSample) {
                    x0 = Math.min(Math.max(x0, -clipRange), clipRange);
                }
                sample[k] = sqrtAlphaPrev * x0 + direction * eps;
            }
        });
    }
}
