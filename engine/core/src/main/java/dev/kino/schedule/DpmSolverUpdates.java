package dev.kino.schedule;

/**
 * DPM-Solver++'s multistep updates (first, second and third order) and the history of x0 predictions they
 * extrapolate from. The history arrays are allocated once per run and rotated, never copied.
 *
 * <p>A step is {@link #prepare}d once (its float32 scalar coefficients, built as diffusers builds its 0-dim
 * tensors) and then {@link #apply}d to ranges of elements, each evaluating the same float32 terms in the
 * same order as diffusers' tensor expression.
 */
final class DpmSolverUpdates {
    private final MultistepSigmas plan;
    private final int order;
    private final boolean heun;
    /** history[0] is the newest x0 prediction (diffusers' model_outputs[-1]), history[1] the one before. */
    private final float[][] history;
    private int lowerOrderNums;

    // The prepared step: its order and coefficients.
    private int stepOrder;
    private float a;
    private float b;
    private float c1;
    private float c2;
    private float invR0;
    private float invR1;
    private float w;
    private float invSum;

    DpmSolverUpdates(MultistepSigmas plan, int order, boolean heun) {
        this.plan = plan;
        this.order = order;
        this.heun = heun;
        this.history = new float[order][];
    }

    /** Starts a run: no earlier predictions count (the arrays themselves are kept for reuse). */
    void reset() {
        lowerOrderNums = 0;
        stepOrder = 0;
    }

    int lowerOrderNums() {
        return lowerOrderNums;
    }

    int lastOrder() {
        return stepOrder;
    }

    /**
     * Makes room for a new prediction of n floats and returns its array: the oldest one, recycled. All
     * history arrays are sized together on the first call of a run, so later steps allocate nothing.
     */
    float[] push(int n) {
        for (int k = 0; k < order; k++) {
            history[k] = BaseScheduler.workArray(history[k], n);
        }
        float[] recycled = history[order - 1];
        System.arraycopy(history, 0, history, 1, order - 1);
        history[0] = recycled;
        return recycled;
    }

    /**
     * Computes the coefficients of an update of the given order from step i to i+1:
     * <ul>
     *   <li>order 1 (DDIM in x0 form): {@code x = a x - b m0} with {@code a = sigma_t/sigma_s},
     *       {@code b = alpha_t (e^-h - 1)};</li>
     *   <li>order 2 (2M): {@code x = (a x - b m0) -/+ c1 D1}, {@code D1 = (m0 - m1)/r0}, midpoint
     *       {@code c1 = b/2} or Heun {@code c1 = alpha_t ((e^-h - 1)/h + 1)};</li>
     *   <li>order 3 (3M): first and second differences of the last three predictions.</li>
     * </ul>
     */
    void prepare(int order, int i) {
        stepOrder = order;
        float alphaT = plan.alpha(i + 1);
        float lambdaT = plan.lambda(i + 1);
        float lambdaS0 = plan.lambda(i);
        float h = lambdaT - lambdaS0;
        a = plan.sigmaT(i + 1) / plan.sigmaT(i);
        float expm = Numerics.expf(-h) - 1.0f;
        b = alphaT * expm;
        if (order == 1) {
            return;
        }
        float lambdaS1 = plan.lambda(i - 1);
        float r0 = (lambdaS0 - lambdaS1) / h;
        invR0 = 1.0f / r0;
        if (order == 2) {
            c1 = heun ? alphaT * (expm / h + 1.0f) : 0.5f * b;
            return;
        }
        float r1 = (lambdaS1 - plan.lambda(i - 2)) / h;
        invR1 = 1.0f / r1;
        c1 = alphaT * (expm / h + 1.0f);
        c2 = alphaT * ((expm + h) / (h * h) - 0.5f);
        w = r0 / (r0 + r1);
        invSum = 1.0f / (r0 + r1);
    }

    /** Applies the prepared update to elements {@code [from, to)} of {@code x}, in place. */
    void apply(float[] x, int from, int to) {
        float[] m0 = history[0];
        if (stepOrder == 1) {
            for (int k = from; k < to; k++) {
                x[k] = a * x[k] - b * m0[k];
            }
            return;
        }
        float[] m1 = history[1];
        if (stepOrder == 2) {
            if (heun) {
                for (int k = from; k < to; k++) {
                    float d1 = invR0 * (m0[k] - m1[k]);
                    x[k] = (a * x[k] - b * m0[k]) + c1 * d1;
                }
            } else {
                for (int k = from; k < to; k++) {
                    float d1 = invR0 * (m0[k] - m1[k]);
                    x[k] = (a * x[k] - b * m0[k]) - c1 * d1;
                }
            }
            return;
        }
        float[] m2 = history[2];
        for (int k = from; k < to; k++) {
            float d10 = invR0 * (m0[k] - m1[k]);
            float d11 = invR1 * (m1[k] - m2[k]);
            float d1 = d10 + w * (d10 - d11);
            float d2 = invSum * (d10 - d11);
            x[k] = ((a * x[k] - b * m0[k]) + c1 * d1) - c2 * d2;
        }
    }

    /** Saves the history and counters (a checkpoint between steps). */
    void write(StateCodec.Writer w) {
        w.putInt(lowerOrderNums).putInt(stepOrder).putInt(history.length);
        for (float[] h : history) {
            w.putFloats(h);
        }
    }

    /** Restores what {@link #write} saved. */
    void read(StateCodec.Reader r) {
        lowerOrderNums = r.getInt();
        stepOrder = r.getInt();
        if (r.getInt() != history.length) {
            throw new SchedulerException("The saved DPM-Solver state is of another solver order; resume with the plan"
                    + " it was saved under.");
        }
        for (int k = 0; k < history.length; k++) {
            history[k] = r.getFloats(history[k]);
        }
    }

    /** Ends the step: one more prediction counts towards the full order. */
    void finish() {
        if (lowerOrderNums < order) {
            lowerOrderNums++;
        }
    }
}
