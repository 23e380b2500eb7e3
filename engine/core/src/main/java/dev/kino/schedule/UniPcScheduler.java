package dev.kino.schedule;

import dev.kino.noise.TorchGenerator;

/**
 * diffusers' {@code UniPCMultistepScheduler} (Zhao et al. 2023): after each denoiser call a corrector
 * (UniC) refines the previous step with the new output, then a predictor (UniP) takes the next step; B(h)
 * variant {@code bh1} or {@code bh2}, orders 1-3, x0 or noise form ({@code predict_x0}).
 *
 * <p>With {@code use_flow_sigmas} it samples flow-matching models; that is Wan 2.1's default
 * ({@code flow_shift} 3 at 480p, 5 at 720p, {@code prediction_type: flow_prediction}). With
 * {@code use_dynamic_shifting} Kino plans the sigmas as diffusers' LTX-Video pipeline would with this
 * scheduler: {@code sigmas = linspace(1, 1/N, N)} shifted by {@code mu = calculate_shift(sequence_length)}.
 */
final class UniPcScheduler extends BaseScheduler {
    static final String CLASS_NAME = "UniPCMultistepScheduler";

    private final TrainingSchedule schedule;
    private final int order;
    private final boolean predictX0;
    private final boolean lowerOrderFinal;
    private final boolean[] disableCorrector;
    private final SigmaSpacing sigmaSpacing;
    private final boolean flowSigmas;
    private final double flowShift;
    private final DynamicShift dynamicShift;
    private final Double sigmaMinOverride;
    private final Double sigmaMaxOverride;
    private final Double shiftTerminal;
    private final boolean finalSigmaMin;
    private final String spacing;
    private final int stepsOffset;

    private final MultistepSigmas plan;
    private final UniPcUpdates updates;
    /** Converted outputs, newest first, and a spare array for the next one: allocated once per run. */
    private final float[][] history;
    private float[] spare;
    private float[] lastSample;
    private boolean hasLastSample;
    private int lowerOrderNums;
    private int thisOrder;

    UniPcScheduler(String name, SchedulerConfig config) {
        super(name, config, PredictionType.fromDiffusers(config.getString("prediction_type", "epsilon")));
        this.schedule = TrainingSchedule.from(config, true);
        this.order = config.getInt("solver_order", 2);
        if (order < 1 || order > 3) {
            throw new SchedulerException("Scheduler setting 'solver_order' is " + order + "; Kino's UniPC supports 1, 2 or 3.");
        }
        this.predictX0 = config.getBoolean("predict_x0", true);
        if (!predictX0 && predictionType() == PredictionType.FLOW) {
            throw new SchedulerException("UniPC with prediction_type flow_prediction needs 'predict_x0' true.");
        }
        String solverType = config.getString("solver_type", "bh2");
        boolean bh2 = switch (solverType) {
            case "bh2", "midpoint", "heun", "logrho" -> true; // diffusers maps the DPM-Solver names to bh2
            case "bh1" -> false;
            default -> throw new SchedulerException("Scheduler setting 'solver_type' is '" + solverType
                    + "'; use bh1 or bh2.");
        };
        this.lowerOrderFinal = config.getBoolean("lower_order_final", true);
        this.disableCorrector = readDisabledSteps(config);
        if (config.getRaw("solver_p") != null) {
            throw new SchedulerException("Scheduler setting 'solver_p' (an external predictor) is not supported; remove it.");
        }
        this.sigmaSpacing = SigmaSpacing.read(config, CLASS_NAME);
        this.flowSigmas = config.getBoolean("use_flow_sigmas", false);
        this.flowShift = config.getDouble("flow_shift", 1.0);
        this.dynamicShift = DynamicShift.read(config);
        this.sigmaMinOverride = config.getNullableDouble("sigma_min");
        this.sigmaMaxOverride = config.getNullableDouble("sigma_max");
        this.shiftTerminal = config.getNullableDouble("shift_terminal");
        if (shiftTerminal != null && !flowSigmas) {
            throw new SchedulerException("Scheduler setting 'shift_terminal' needs 'use_flow_sigmas' true.");
        }
        if (dynamicShift != null && (!flowSigmas || sigmaSpacing != SigmaSpacing.DEFAULT)) {
            throw new SchedulerException("UniPC's 'use_dynamic_shifting' works only with 'use_flow_sigmas' "
                    + "and without Karras or exponential sigmas.");
        }
        this.finalSigmaMin = FinalSigma.isSigmaMin(config);
        if (!predictX0 && !finalSigmaMin) {
            throw new SchedulerException("UniPC with 'predict_x0' false cannot step to sigma 0 (diffusers returns "
                    + "NaN there); set 'final_sigmas_type' to sigma_min or 'predict_x0' to true.");
        }
        this.spacing = TimestepSpacing.read(config, "linspace");
        this.stepsOffset = config.getInt("steps_offset", 0);
        Thresholding.rejectIfEnabled(config, CLASS_NAME);
        this.plan = new MultistepSigmas(flowSigmas);
        this.updates = new UniPcUpdates(plan, predictX0, bh2);
        this.history = new float[order][];
    }

    private static boolean[] readDisabledSteps(SchedulerConfig config) {
        double[] steps = config.getDoubleArray("disable_corrector");
        int max = 0;
        for (double s : steps == null ? new double[0] : steps) {
            max = Math.max(max, (int) s + 1);
        }
        boolean[] disabled = new boolean[max];
        for (double s : steps == null ? new double[0] : steps) {
            if (s >= 0) {
                disabled[(int) s] = true;
            }
        }
        return disabled;
    }

    @Override
    public boolean integerTimesteps() {
        return true;
    }

    @Override
    public float[] sigmas() {
        return plan.sigmas == null ? null : plan.sigmas.clone();
    }

    @Override
    public void setTimesteps(int steps, int sequenceLength) {
        checkSteps(steps);
        float[] train = schedule.sigmas;
        if (flowSigmas && sigmaSpacing == SigmaSpacing.DEFAULT) {
            planFlow(steps, sequenceLength);
        } else if (sigmaSpacing != SigmaSpacing.DEFAULT) {
            double min = sigmaMinOverride != null ? sigmaMinOverride : train[0];
            double max = sigmaMaxOverride != null ? sigmaMaxOverride : train[train.length - 1];
            double[] spaced = TimestepSpacing.dropLast(spacing, schedule.trainSteps, schedule.trainSteps, steps, stepsOffset);
            MultistepSigmas.Plan p = MultistepSigmas.diffusion(schedule, spaced, sigmaSpacing, min, max, true);
            double[] s = p.sigmas();
            double[] t = p.timesteps();
            if (flowSigmas && sigmaSpacing == SigmaSpacing.KARRAS) {
                // diffusers maps Karras sigmas into flow space as s/(s+1) and takes timesteps from them.
                for (int i = 0; i < s.length; i++) {
                    s[i] = s[i] / (s[i] + 1);
                    t[i] = s[i] * schedule.trainSteps;
                }
            }
            plan.finish(s, t, finalSigmaMin ? s[s.length - 1] : 0.0);
        } else {
            double[] spaced = TimestepSpacing.dropLast(spacing, schedule.trainSteps, schedule.trainSteps, steps, stepsOffset);
            plan.finish(Numerics.interpOnIndex(spaced, train), spaced, finalSigmaMin ? schedule.firstSigma() : 0.0);
        }
        timesteps = plan.timesteps;
        lowerOrderNums = 0;
        thisOrder = 0;
        hasLastSample = false;
    }

    /** Flow sigmas: linspace(1, 1/T, N+1)[:-1] (or the LTX plan), shifted, optionally stretched, kept below 1. */
    private void planFlow(int steps, int sequenceLength) {
        double[] s;
        if (dynamicShift != null) {
            double mu = dynamicShift.mu(sequenceLength);
            s = Numerics.linspace(1.0, 1.0 / steps, steps);
            for (int i = 0; i < s.length; i++) {
                s[i] = SigmaSchedules.timeShift(dynamicShift.type(), mu, s[i]);
            }
        } else {
            double[] points = Numerics.linspace(1, 1.0 / schedule.trainSteps, steps + 1);
            s = java.util.Arrays.copyOf(points, steps);
            for (int i = 0; i < s.length; i++) {
                s[i] = SigmaSchedules.shift(flowShift, s[i]);
            }
        }
        if (shiftTerminal != null && shiftTerminal != 0) {
            if (s.length < 2) {
                throw new SchedulerException("With 'shift_terminal' set, UniPC needs at least 2 steps.");
            }
            SigmaSchedules.stretchToTerminal(s, shiftTerminal);
        }
        double eps = 1e-6; // diffusers keeps the first sigma just below 1 so log(sigma_t) stays finite
        if (Math.abs(s[0] - 1) < eps) {
            s[0] -= eps;
        }
        double[] t = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            t[i] = s[i] * schedule.trainSteps;
        }
        plan.finish(s, t, finalSigmaMin ? s[s.length - 1] : 0.0);
    }

    @Override
    public void step(float[] modelOutput, int i, float[] sample, TorchGenerator generator) {
        checkStep(i);
        checkSameLength(modelOutput, sample);
        int n = sample.length;
        allocate(n);
        boolean correct = i > 0 && !(i - 1 < disableCorrector.length && disableCorrector[i - 1]) && hasLastSample;
        UniPcUpdates.Update corrector = correct ? updates.corrector(i, thisOrder) : null;
        float[][] before = history.clone();

        // The new converted output joins the history; the oldest array becomes the next step's spare.
        float[] converted = spare;
        spare = history[order - 1];
        System.arraycopy(history, 0, history, 1, order - 1);
        history[0] = converted;
        int stepOrder = lowerOrderFinal ? Math.min(order, timesteps.length - i) : order;
        thisOrder = Math.min(stepOrder, lowerOrderNums + 1);
        UniPcUpdates.Update predictor = updates.predictor(i, thisOrder);

        // The corrected sample is both the predictor's start and the next corrector's "last sample", so it is
        // written straight into lastSample (in place: the corrector reads only the old value at each element).
        float[] last = lastSample;
        // Once converted, the incoming sample is dead until the predictor writes it: the corrector uses it as
        // scratch space.
        Tiles.run(n, (from, to) -> {
            convert(i, modelOutput, sample, converted, from, to);
            if (corrector != null) { // UniC: redo the previous step with this output, from the sample it left
                UniPcUpdates.apply(corrector, before, converted, last, last, sample, from, to);
            } else {
                System.arraycopy(sample, from, last, from, to - from);
            }
            UniPcUpdates.apply(predictor, history, null, last, sample, null, from, to); // UniP: the next step
        });
        hasLastSample = true;
        if (lowerOrderNums < order) {
            lowerOrderNums++;
        }
    }

    @Override
    void writeRunState(StateCodec.Writer w) {
        w.putInt(lowerOrderNums).putInt(thisOrder).putBoolean(hasLastSample).putFloats(lastSample);
        w.putInt(order);
        for (float[] h : history) {
            w.putFloats(h);
        }
    }

    @Override
    void readRunState(StateCodec.Reader r) {
        lowerOrderNums = r.getInt();
        thisOrder = r.getInt();
        hasLastSample = r.getBoolean();
        lastSample = r.getFloats(lastSample);
        if (r.getInt() != order) {
            throw new SchedulerException("The saved UniPC state is of another solver order; resume with the plan it"
                    + " was saved under.");
        }
        for (int k = 0; k < order; k++) {
            history[k] = r.getFloats(history[k]);
        }
    }

    /** Sizes every work array for latents of n floats at once (a no-op after the first step of a run). */
    private void allocate(int n) {
        spare = workArray(spare, n);
        lastSample = workArray(lastSample, n);
        for (int k = 0; k < order; k++) {
            history[k] = workArray(history[k], n);
        }
    }

    /** diffusers' convert_model_output on {@code [from, to)}: x0 (predict_x0) or the noise. */
    private void convert(int i, float[] modelOutput, float[] sample, float[] out, int from, int to) {
        if (predictX0) {
            DataPrediction.convert(predictionType(), plan, i, modelOutput, sample, out, from, to);
            return;
        }
        float alpha = plan.alpha(i);
        float sigma = plan.sigmaT(i);
        switch (predictionType()) {
            case EPSILON -> System.arraycopy(modelOutput, from, out, from, to - from);
            case SAMPLE -> {
                for (int k = from; k < to; k++) {
                    out[k] = (sample[k] - alpha * modelOutput[k]) / sigma;
                }
            }
            case V_PREDICTION -> {
                for (int k = from; k < to; k++) {
                    out[k] = alpha * modelOutput[k] + sigma * sample[k];
                }
            }
            default -> throw new IllegalStateException(predictionType().toString());
        }
    }
}
