package dev.kino.schedule;

/**
 * DPM-Solver++'s multistep updates (first, second and third order) and the history of x0 predictions they
 * extrapolate from. The history arrays are allocated once per run and rotated, never copied.
 *
 * <p>Coefficients are float32 scalars built as diffusers builds its 0-dim tensors; each element then
 * evaluates the same float32 terms in the same order as diffusers' tensor expression.
 */
final class DpmSolverUpdates {
    private final MultistepSigmas plan;
    private final int order;
    private final boolean heun;
    /** history[0] is the newest x0 prediction (diffusers' model_outputs[-1]), history[1] the one before. */
    private final float[][] history;
    private int lowerOrderNums;
    private int lastOrder;

    DpmSolverUpdates(MultistepSigmas plan, int order, boolean heun) {
        this.plan = plan;
        this.order = order;
        this.heun = heun;
        this.history = new float[order][];
    }

    /** Starts a run: no earlier predictions count (the arrays themselves are kept for reuse). */
    void reset(int steps) {
        lowerOrderNums = 0;
        lastOrder = 0;
    }

    int lowerOrderNums() {
        return lowerOrderNums;
    }

    int lastOrder() {
        return lastOrder;
    }

    /** Makes room for a new prediction of n floats and returns its array (the oldest one, recycled). */
    float[] push(int n) {
        float[] recycled = history[order - 1];
        System.arraycopy(history, 0, history, 1, order - 1);
        history[0] = BaseScheduler.workArray(recycled, n);
        return history[0];
    }

    /** Moves {@code sample} in place from step i to i+1 with an update of the given order. */
    void update(int stepOrder, int i, float[] sample) {
        switch (stepOrder) {
            case 1 -> firstOrder(i, sample);
            case 2 -> secondOrder(i, sample);
            case 3 -> thirdOrder(i, sample);
            default -> throw new IllegalStateException("order " + stepOrder);
        }
        lastOrder = stepOrder;
        if (lowerOrderNums < order) {
            lowerOrderNums++;
        }
    }

    /** DPM-Solver++(1), i.e. DDIM in x0 form: {@code (sigma_t/sigma_s) x - alpha_t (e^-h - 1) x0}. */
    private void firstOrder(int i, float[] x) {
        float alphaT = plan.alpha(i + 1);
        float h = plan.lambda(i + 1) - plan.lambda(i);
        float a = plan.sigmaT(i + 1) / plan.sigmaT(i);
        float b = alphaT * (Numerics.expf(-h) - 1.0f);
        float[] m0 = history[0];
        for (int k = 0; k < x.length; k++) {
            x[k] = a * x[k] - b * m0[k];
        }
    }

    /** Multistep DPM-Solver++(2M): the x0 slope from the last two predictions, midpoint or Heun weighting. */
    private void secondOrder(int i, float[] x) {
        float alphaT = plan.alpha(i + 1);
        float lambdaT = plan.lambda(i + 1);
        float lambdaS0 = plan.lambda(i);
        float lambdaS1 = plan.lambda(i - 1);
        float h = lambdaT - lambdaS0;
        float h0 = lambdaS0 - lambdaS1;
        float r0 = h0 / h;
        float a = plan.sigmaT(i + 1) / plan.sigmaT(i);
        float expm = Numerics.expf(-h) - 1.0f;
        float b = alphaT * expm;
        float invR0 = 1.0f / r0;
        float c = heun ? alphaT * (expm / h + 1.0f) : 0.5f * b;
        float[] m0 = history[0];
        float[] m1 = history[1];
        if (heun) {
            for (int k = 0; k < x.length; k++) {
                float d1 = invR0 * (m0[k] - m1[k]);
                x[k] = (a * x[k] - b * m0[k]) + c * d1;
            }
        } else {
            for (int k = 0; k < x.length; k++) {
                float d1 = invR0 * (m0[k] - m1[k]);
                x[k] = (a * x[k] - b * m0[k]) - c * d1;
            }
        }
    }

    /** Multistep DPM-Solver++(3M): first and second differences of the last three predictions. */
    private void thirdOrder(int i, float[] x) {
        float alphaT = plan.alpha(i + 1);
        float lambdaT = plan.lambda(i + 1);
        float lambdaS0 = plan.lambda(i);
        float lambdaS1 = plan.lambda(i - 1);
        float lambdaS2 = plan.lambda(i - 2);
        float h = lambdaT - lambdaS0;
        float r0 = (lambdaS0 - lambdaS1) / h;
        float r1 = (lambdaS1 - lambdaS2) / h;
        float a = plan.sigmaT(i + 1) / plan.sigmaT(i);
        float expm = Numerics.expf(-h) - 1.0f;
        float b = alphaT * expm;
        float c1 = alphaT * (expm / h + 1.0f);
        float c2 = alphaT * ((expm + h) / (h * h) - 0.5f);
        float invR0 = 1.0f / r0;
        float invR1 = 1.0f / r1;
        float w = r0 / (r0 + r1);
        float invSum = 1.0f / (r0 + r1);
        float[] m0 = history[0];
        float[] m1 = history[1];
        float[] m2 = history[2];
        for (int k = 0; k < x.length; k++) {
            float d10 = invR0 * (m0[k] - m1[k]);
            float d11 = invR1 * (m1[k] - m2[k]);
            float d1 = d10 + w * (d10 - d11);
            float d2 = invSum * (d10 - d11);
            x[k] = ((a * x[k] - b * m0[k]) + c1 * d1) - c2 * d2;
        }
    }
}
