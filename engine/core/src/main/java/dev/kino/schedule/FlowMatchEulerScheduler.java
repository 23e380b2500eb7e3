package dev.kino.schedule;

import dev.kino.noise.TorchGenerator;

/**
 * diffusers' {@code FlowMatchEulerDiscreteScheduler}: Euler steps along a rectified-flow velocity,
 * {@code x + (sigma_next - sigma) * v}, with sigma running from about 1 (noise) to 0 (data).
 *
 * <p>The sigmas are shifted towards the noise end, either by the fixed {@code shift} or, with
 * {@code use_dynamic_shifting}, by an amount that grows with the token count. For the dynamic case Kino
 * follows diffusers' LTX-Video pipeline, which plans {@code sigmas = linspace(1, 1/N, N)} and
 * {@code mu = calculate_shift(sequence_length, base_image_seq_len, max_image_seq_len, base_shift, max_shift)};
 * without it, {@code set_timesteps(N)} is called plainly as in the SD3-style pipelines.
 */
final class FlowMatchEulerScheduler extends BaseScheduler {
    static final String CLASS_NAME = "FlowMatchEulerDiscreteScheduler";

    private final int trainSteps;
    private final double shift;
    private final DynamicShift dynamicShift;
    private final Double shiftTerminal;
    private final SigmaSpacing sigmaSpacing;
    private final boolean invertSigmas;
    private final boolean stochastic;
    /** The (shifted) training sigmas' ends, which bound the default schedule. */
    private final float trainSigmaMin;
    private final float trainSigmaMax;
    private float[] noise;
    /** LTXConditionPipeline's step: sigma from the timestep, the next one the largest sigma below it. */
    private boolean sigmaFromTimestep;

    FlowMatchEulerScheduler(String name, SchedulerConfig config) {
        super(name, config, PredictionType.FLOW);
        this.trainSteps = config.getInt("num_train_timesteps", 1000);
        this.shift = config.getDouble("shift", 1.0);
        this.dynamicShift = DynamicShift.read(config);
        this.shiftTerminal = config.getNullableDouble("shift_terminal");
        this.sigmaSpacing = SigmaSpacing.read(config, CLASS_NAME);
        this.invertSigmas = config.getBoolean("invert_sigmas", false);
        this.stochastic = config.getBoolean("stochastic_sampling", false);
        // The constructor's training sigmas: linspace(1, T, T) as float32, over T, shifted unless dynamic.
        this.trainSigmaMax = trainSigma((float) trainSteps);
        this.trainSigmaMin = trainSigma(1f);
    }

    private float trainSigma(float timestep) {
        float s = timestep / trainSteps;
        return dynamicShift != null ? s : SigmaSchedules.shift(shift, s);
    }

    @Override
    public boolean integerTimesteps() {
        return false;
    }

    @Override
    public void setTimesteps(int steps, int sequenceLength) {
        checkSteps(steps);
        sigmaFromTimestep = false;
        float[] shifted;
        if (dynamicShift != null) {
            double mu = dynamicShift.mu(sequenceLength);
            float[] s = Numerics.narrow(Numerics.linspace(1.0, 1.0 / steps, steps));
            for (int i = 0; i < steps; i++) {
                s[i] = SigmaSchedules.timeShift(dynamicShift.type(), mu, s[i]);
            }
            if (shiftTerminal != null && shiftTerminal != 0) {
                requireStretchable(steps);
                SigmaSchedules.stretchToTerminal(s, shiftTerminal);
            }
            shifted = respaced(Numerics.widen(s), steps);
        } else {
            double[] s = Numerics.linspace((double) trainSigmaMax * trainSteps, (double) trainSigmaMin * trainSteps, steps);
            for (int i = 0; i < steps; i++) {
                s[i] = SigmaSchedules.shift(shift, s[i] / trainSteps);
            }
            if (shiftTerminal != null && shiftTerminal != 0) {
                requireStretchable(steps);
                SigmaSchedules.stretchToTerminal(s, shiftTerminal);
            }
            shifted = respaced(s, steps);
        }
        store(shifted);
    }

    @Override
    public boolean takesTimestepList() {
        return true;
    }

    /**
     * {@code set_timesteps(timesteps=list)}: the list as float32, over {@code num_train_timesteps} in float32,
     * the static shift and {@code shift_terminal} stretch on float32 values (numpy), then as above. With
     * {@code use_dynamic_shifting} diffusers needs a {@code mu} that LTXConditionPipeline never passes (it
     * raises), so Kino refuses that combination too.
     */
    @Override
    public void setCustomTimesteps(double[] list, boolean fromTimestep) {
        if (list == null || list.length == 0) {
            throw new SchedulerException("The timestep list is empty; give at least one timestep.");
        }
        if (dynamicShift != null) {
            throw new SchedulerException("A timestep list cannot be used with 'use_dynamic_shifting' (diffusers "
                    + "raises '`mu` must be passed'); re-export with export_ltx.py --pipeline LTXPipeline, or use a scheduler "
                    + "config without dynamic shifting as distilled LTX-Video models ship.");
        }
        float[] s = new float[list.length];
        for (int i = 0; i < s.length; i++) {
            if (!(list[i] >= 0 && list[i] <= trainSteps)) {
                throw new SchedulerException("Timestep " + list[i] + " is outside 0.." + trainSteps + ".");
            }
            s[i] = SigmaSchedules.shift(shift, (float) list[i] / trainSteps);
        }
        if (shiftTerminal != null && shiftTerminal != 0) {
            requireStretchable(s.length);
            SigmaSchedules.stretchToTerminal(s, shiftTerminal);
        }
        store(respaced(Numerics.widen(s), s.length));
        sigmaFromTimestep = fromTimestep;
    }

    @Override
    public void setCustomSigmas(double[] list) {
        if (list == null || list.length == 0) {
            throw new SchedulerException("The sigma list is empty; give at least one sigma.");
        }
        if (dynamicShift != null) {
            throw new SchedulerException("A sigma list with 'use_dynamic_shifting' needs a mu the manifest does not"
                    + " give; use a scheduler config without dynamic shifting.");
        }
        float[] s = new float[list.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = SigmaSchedules.shift(shift, (float) list[i]);
        }
        if (shiftTerminal != null && shiftTerminal != 0) {
            requireStretchable(s.length);
            SigmaSchedules.stretchToTerminal(s, shiftTerminal);
        }
        store(respaced(Numerics.widen(s), s.length));
        sigmaFromTimestep = false;
    }

    private void store(float[] shifted) {
        int steps = shifted.length;
        float[] all = new float[steps + 1];
        double[] t = new double[steps];
        for (int i = 0; i < steps; i++) {
            float s = invertSigmas ? 1.0f - shifted[i] : shifted[i];
            all[i] = s;
            t[i] = s * trainSteps;
        }
        all[steps] = invertSigmas ? 1.0f : 0.0f;
        sigmas = all;
        timesteps = t;
    }

    /** Karras / exponential re-spacing between the schedule's ends (float64), then float32. */
    private float[] respaced(double[] s, int steps) {
        double[] r = sigmaSpacing.respace(s[s.length - 1], s[0], steps);
        return Numerics.narrow(r != null ? r : s);
    }

    /** With one step the stretch divides 0 by 0 (diffusers yields a NaN sigma); refuse it plainly. */
    private void requireStretchable(int steps) {
        if (steps < 2) {
            throw new SchedulerException("With 'shift_terminal' set, flow-euler needs at least 2 steps "
                    + "(one step stretches the schedule by 0/0).");
        }
    }

    @Override
    public void step(float[] modelOutput, int i, float[] sample, TorchGenerator generator) {
        checkStep(i);
        checkSameLength(modelOutput, sample);
        float sigma = sigmas[i];
        float sigmaNext = sigmas[i + 1];
        int n = sample.length;
        if (sigmaFromTimestep && !stochastic) {
            // step(-v, t, x, per_token_timesteps=t): x + (sigma_t - lower) * (-v), sigma_t = t / N in float32
            float current = (float) timesteps[i] / trainSteps;
            float lower = 0f;
            for (float candidate : sigmas) {
                if (candidate < current - 1e-6f && candidate > lower) {
                    lower = candidate;
                }
            }
            float dt = current - lower;
            Tiles.run(n, (from, to) -> {
                for (int k = from; k < to; k++) {
                    sample[k] = sample[k] + dt * -modelOutput[k];
                }
            });
            return;
        }
        if (!stochastic) {
            float dt = sigmaNext - sigma;
            Tiles.run(n, (from, to) -> {
                for (int k = from; k < to; k++) {
                    sample[k] = sample[k] + dt * modelOutput[k];
                }
            });
            return;
        }
        if (generator == null) {
            throw new IllegalArgumentException("stochastic_sampling draws fresh noise at every step and needs the "
                    + "run's TorchGenerator.");
        }
        noise = workArray(noise, n);
        generator.randn(noise);
        float keep = 1.0f - sigmaNext;
        float[] z = noise;
        Tiles.run(n, (from, to) -> {
            for (int k = from; k < to; k++) {
                float x0 = sample[k] - sigma * modelOutput[k];
                sample[k] = keep * x0 + sigmaNext * z[k];
            }
        });
    }
}
