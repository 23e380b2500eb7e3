package dev.kino.schedule;

/**
 * UniPC's B(h) predictor (UniP) and corrector (UniC) updates (Zhao et al. 2023), as diffusers'
 * {@code multistep_uni_p_bh_update} and {@code multistep_uni_c_bh_update} compute them: the rho weights come
 * from a small float32 linear system, and each element evaluates diffusers' tensor expression in float32 in
 * the same order.
 *
 * <p>{@code history[0]} is the newest converted model output (diffusers' {@code model_outputs[-1]}).
 */
final class UniPcUpdates {
    private final MultistepSigmas plan;
    private final boolean predictX0;
    private final boolean bh2;

    UniPcUpdates(MultistepSigmas plan, boolean predictX0, boolean bh2) {
        this.plan = plan;
        this.predictX0 = predictX0;
        this.bh2 = bh2;
    }

    /**
     * The step's scalar coefficients: {@code hh = -h} (x0 form) or {@code h}, {@code h*phi_1(hh)},
     * {@code B(h)} and the right-hand side {@code b} of the rho system for the given order.
     */
    private record Coefficients(float hh, float hPhi1, float bh, float[] b) {
    }

    private Coefficients coefficients(float h, int order) {
        float hh = predictX0 ? -h : h;
        float hPhi1 = Numerics.expm1f(hh);
        float hPhiK = hPhi1 / hh - 1;
        float bh = bh2 ? Numerics.expm1f(hh) : hh;
        float[] b = new float[order];
        int factorial = 1;
        for (int j = 1; j <= order; j++) {
            b[j - 1] = hPhiK * factorial / bh;
            factorial *= j + 1;
            hPhiK = hPhiK / hh - (float) (1.0 / factorial);
        }
        return new Coefficients(hh, hPhi1, bh, b);
    }

    /**
     * The predictor from step i to i+1 of the given order, in place on {@code x}.
     *
     * @param history converted outputs, newest first; entries 0..order-1 are used
     */
    void predict(int i, int order, float[][] history, float[] x) {
        float lambdaT = plan.lambda(i + 1);
        float lambdaS0 = plan.lambda(i);
        float h = lambdaT - lambdaS0;
        float[] rks = new float[order];
        for (int k = 1; k < order; k++) {
            rks[k - 1] = (plan.lambda(i - k) - lambdaS0) / h;
        }
        rks[order - 1] = 1.0f;
        Coefficients c = coefficients(h, order);
        float[] rhos;
        if (order == 1) {
            rhos = new float[0];
        } else if (order == 2) {
            rhos = new float[] {0.5f};
        } else {
            rhos = SmallSolve.solve(powers(rks, order - 1), java.util.Arrays.copyOf(c.b(), order - 1));
        }
        apply(i + 1, i, c, rhos, rks, history, null, 0f, x, x);
    }

    /**
     * The corrector at step i (after the model ran at the predicted sample): recomputes the step from i-1 to
     * i with the new output {@code modelT} included, writing the corrected sample into {@code out}.
     *
     * @param history converted outputs before {@code modelT} was added, newest first
     */
    void correct(int i, int order, float[][] history, float[] modelT, float[] lastSample, float[] out) {
        float lambdaT = plan.lambda(i);
        float lambdaS0 = plan.lambda(i - 1);
        float h = lambdaT - lambdaS0;
        float[] rks = new float[order];
        for (int k = 1; k < order; k++) {
            rks[k - 1] = (plan.lambda(i - (k + 1)) - lambdaS0) / h;
        }
        rks[order - 1] = 1.0f;
        Coefficients c = coefficients(h, order);
        float[] rhos = order == 1 ? new float[] {0.5f} : SmallSolve.solve(powers(rks, order), c.b());
        apply(i, i - 1, c, java.util.Arrays.copyOf(rhos, order - 1), rks, history, modelT, rhos[order - 1], lastSample, out);
    }

    /** Row j of R is rks^j (torch.pow), for j = 0..n-1, on the first n entries. */
    private static float[][] powers(float[] rks, int n) {
        float[][] r = new float[n][n];
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < n; k++) {
                r[j][k] = j == 0 ? 1.0f : j == 1 ? rks[k] : (float) StrictMath.pow(rks[k], j);
            }
        }
        return r;
    }

    /**
     * {@code x_t = coefX * x - coefM * m0 - coefB * (sum_k rhos[k] * D1_k [+ rhoT * (modelT - m0)])} where
     * {@code D1_k = (history[k] - m0) / rks[k-1]}; x0 form uses sigma_t/sigma_s and alpha_t, noise form
     * alpha_t/alpha_s and sigma_t.
     */
    private void apply(int t, int s, Coefficients c, float[] rhos, float[] rks, float[][] history, float[] modelT,
                       float rhoT, float[] x, float[] out) {
        float coefX = predictX0 ? plan.sigmaT(t) / plan.sigmaT(s) : plan.alpha(t) / plan.alpha(s);
        float base = predictX0 ? plan.alpha(t) : plan.sigmaT(t);
        float coefM = base * c.hPhi1();
        float coefB = base * c.bh();
        float[] m0 = history[0];
        int n = x.length;
        int terms = rhos.length;
        if (terms == 0 && modelT == null) {
            for (int e = 0; e < n; e++) {
                // The empty residual is the Python int 0: coefB * 0 is 0 and subtracting it changes nothing.
                out[e] = coefX * x[e] - coefM * m0[e];
            }
            return;
        }
        if (terms == 0) {
            for (int e = 0; e < n; e++) {
                float res = rhoT * (modelT[e] - m0[e]);
                out[e] = (coefX * x[e] - coefM * m0[e]) - coefB * res;
            }
            return;
        }
        if (terms == 1) {
            float rho = rhos[0];
            float rk = rks[0];
            float[] m1 = history[1];
            for (int e = 0; e < n; e++) {
                float res = rho * ((m1[e] - m0[e]) / rk);
                if (modelT != null) {
                    res = res + rhoT * (modelT[e] - m0[e]);
                }
                out[e] = (coefX * x[e] - coefM * m0[e]) - coefB * res;
            }
            return;
        }
        for (int e = 0; e < n; e++) {
            float res = 0;
            for (int k = 0; k < terms; k++) {
                res += rhos[k] * ((history[k + 1][e] - m0[e]) / rks[k]);
            }
            if (modelT != null) {
                res = res + rhoT * (modelT[e] - m0[e]);
            }
            out[e] = (coefX * x[e] - coefM * m0[e]) - coefB * res;
        }
    }
}
