package dev.kino.schedule;

import dev.kino.noise.TorchGenerator;

/**
 * diffusers' {@code DPMSolverMultistepScheduler} with {@code algorithm_type: dpmsolver++} (Lu et al. 2022):
 * a multistep solver in data-prediction (x0) form, orders 1 to 3, {@code midpoint} or {@code heun}
 * second-order updates; default, Karras, exponential or Lu-lambda sigmas, or flow-matching sigmas.
 *
 * <p>The last step is first order when {@code euler_at_final}, when {@code final_sigmas_type} is {@code zero}
 * (it then returns x0 exactly), or with {@code lower_order_final} below 15 steps; the step before it is at
 * most second order in that last case.
 */
final class DpmSolverScheduler extends BaseScheduler {
    static final String CLASS_NAME = "DPMSolverMultistepScheduler";

    private final TrainingSchedule schedule;
    private final int order;
    private final boolean heun;
    private final boolean lowerOrderFinal;
    private final boolean eulerAtFinal;
    private final boolean finalSigmaMin;
    private final SigmaSpacing sigmaSpacing;
    private final boolean luLambdas;
    private final boolean flowSigmas;
    private final double flowShift;
    private final DynamicShift dynamicShift;
    private final double lambdaMinClipped;
    private final String spacing;
    private final int stepsOffset;
    private final boolean cosineSchedule;

    private final MultistepSigmas plan;
    private final DpmSolverUpdates updates;

    DpmSolverScheduler(String name, SchedulerConfig config) {
        super(name, config, PredictionType.fromDiffusers(config.getString("prediction_type", "epsilon")));
        this.schedule = TrainingSchedule.from(config, true);
        // diffusers leaves re-spaced timesteps unrounded for the cosine schedule.
        this.cosineSchedule = "squaredcos_cap_v2".equals(config.getString("beta_schedule", "linear"));
        this.order = config.getInt("solver_order", 2);
        if (order < 1 || order > 3) {
            throw new SchedulerException("Scheduler setting 'solver_order' is " + order + "; DPM-Solver supports 1, 2 or 3.");
        }
        String algorithm = config.getString("algorithm_type", "dpmsolver++");
        if (!"dpmsolver++".equals(algorithm) && !"deis".equals(algorithm)) { // diffusers maps deis to dpmsolver++
            throw new SchedulerException("Scheduler setting 'algorithm_type' is '" + algorithm
                    + "'; Kino's DPM-Solver implements dpmsolver++ only (the data-prediction multistep solver).");
        }
        String solverType = config.getString("solver_type", "midpoint");
        switch (solverType) {
            case "midpoint", "logrho", "bh1", "bh2" -> this.heun = false; // diffusers maps the others to midpoint
            case "heun" -> this.heun = true;
            default -> throw new SchedulerException("Scheduler setting 'solver_type' is '" + solverType
                    + "'; use midpoint or heun.");
        }
        this.lowerOrderFinal = config.getBoolean("lower_order_final", true);
        this.eulerAtFinal = config.getBoolean("euler_at_final", false);
        this.finalSigmaMin = FinalSigma.isSigmaMin(config);
        this.sigmaSpacing = SigmaSpacing.read(config, CLASS_NAME);
        this.luLambdas = config.getBoolean("use_lu_lambdas", false);
        this.flowSigmas = config.getBoolean("use_flow_sigmas", false);
        this.flowShift = config.getDouble("flow_shift", 1.0);
        this.dynamicShift = DynamicShift.read(config);
        if (dynamicShift != null && !"exponential".equals(dynamicShift.type())) {
            throw new SchedulerException("DPM-Solver's dynamic shifting supports only time_shift_type exponential.");
        }
        this.lambdaMinClipped = config.getDouble("lambda_min_clipped", Double.NEGATIVE_INFINITY);
        String variance = config.getString("variance_type", null);
        if (variance != null) {
            throw new SchedulerException("Scheduler setting 'variance_type' is '" + variance + "': the denoiser "
                    + "outputs a learned variance in extra channels, which Kino does not split off; remove the key "
                    + "if the model predicts noise only.");
        }
        this.spacing = TimestepSpacing.read(config, "linspace");
        this.stepsOffset = config.getInt("steps_offset", 0);
        Thresholding.rejectIfEnabled(config, CLASS_NAME);
        this.plan = new MultistepSigmas(flowSigmas);
        this.updates = new DpmSolverUpdates(plan, order, heun);
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
        // diffusers' set_timesteps(mu=...) replaces flow_shift by e^mu.
        double shift = dynamicShift != null ? StrictMath.exp(dynamicShift.mu(sequenceLength)) : flowShift;
        int last = schedule.trainSteps - clippedIndex();
        double[] spaced = TimestepSpacing.dropLast(spacing, schedule.trainSteps, last, steps, stepsOffset);
        int n = spaced.length;
        float[] train = schedule.sigmas;
        double firstTrain = train[0];
        double lastTrain = train[train.length - 1];
        // diffusers' precedence: Karras, then Lu lambdas, then exponential, then flow sigmas, else interpolation.
        if (sigmaSpacing == SigmaSpacing.KARRAS || (!luLambdas && sigmaSpacing == SigmaSpacing.EXPONENTIAL)) {
            MultistepSigmas.Plan p = MultistepSigmas.diffusion(schedule, spaced, sigmaSpacing, firstTrain, lastTrain,
                    !cosineSchedule);
            plan.finish(p.sigmas(), p.timesteps(), finalSigma());
        } else if (luLambdas) {
            float[] logSigmas = schedule.logSigmas();
            double[] s = SigmaSchedules.luLambdas(logSigmas[logSigmas.length - 1], logSigmas[0], n);
            double[] t = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = StrictMath.exp(s[i]);
                double v = SigmaSchedules.sigmaToT(s[i], logSigmas);
                t[i] = cosineSchedule ? v : Math.rint(v);
            }
            plan.finish(s, t, finalSigma());
        } else if (flowSigmas) {
            double[] alphas = Numerics.linspace(1, 1.0 / schedule.trainSteps, n + 1);
            double[] s = new double[n];
            double[] t = new double[n];
            for (int i = 0; i < n; i++) {
                // flip(shift(1 - alphas))[:-1]: element i comes from alphas[n - i].
                s[i] = SigmaSchedules.shift(shift, 1.0 - alphas[n - i]);
                t[i] = s[i] * schedule.trainSteps;
            }
            plan.finish(s, t, finalSigma());
        } else {
            plan.finish(Numerics.interpOnIndex(spaced, train), spaced, finalSigma());
        }
        timesteps = plan.timesteps;
        updates.reset();
    }

    /** The smallest training sigma with {@code final_sigmas_type: sigma_min}, else 0. */
    private double finalSigma() {
        return finalSigmaMin ? schedule.firstSigma() : 0.0;
    }

    /**
     * {@code searchsorted(flip(lambda_t), lambda_min_clipped)}: how many of the noisiest training timesteps
     * {@code lambda_min_clipped} cuts off (0 with the default -inf).
     */
    private int clippedIndex() {
        if (lambdaMinClipped == Double.NEGATIVE_INFINITY) {
            return 0;
        }
        float[] ac = schedule.alphasCumprod;
        int count = 0;
        for (int i = ac.length - 1; i >= 0; i--) {
            float lambda = Numerics.logf(Numerics.sqrtf(ac[i])) - Numerics.logf(Numerics.sqrtf(1 - ac[i]));
            if (lambda >= lambdaMinClipped) {
                break;
            }
            count++;
        }
        return count;
    }

    @Override
    public void step(float[] modelOutput, int i, float[] sample, TorchGenerator generator) {
        checkStep(i);
        checkSameLength(modelOutput, sample);
        int n = timesteps.length;
        boolean lastStep = i == n - 1;
        boolean finalFirstOrder = lastStep && (eulerAtFinal || (lowerOrderFinal && n < 15) || !finalSigmaMin);
        boolean secondToLastCapped = i == n - 2 && lowerOrderFinal && n < 15;
        int stepOrder;
        if (order == 1 || updates.lowerOrderNums() < 1 || finalFirstOrder) {
            stepOrder = 1;
        } else if (order == 2 || updates.lowerOrderNums() < 2 || secondToLastCapped) {
            stepOrder = 2;
        } else {
            stepOrder = 3;
        }
        float[] x0 = updates.push(sample.length);
        updates.prepare(stepOrder, i);
        PredictionType type = predictionType();
        Tiles.run(sample.length, (from, to) -> {
            DataPrediction.convert(type, plan, i, modelOutput, sample, x0, from, to);
            updates.apply(sample, from, to);
        });
        updates.finish();
    }

    @Override
    void writeRunState(StateCodec.Writer w) {
        updates.write(w);
    }

    @Override
    void readRunState(StateCodec.Reader r) {
        updates.read(r);
    }

    /** The order the last {@link #step} used (1-3); diffusers' golden data records it for inspection. */
    int lastOrder() {
        return updates.lastOrder();
    }
}
