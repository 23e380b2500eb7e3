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
     * One prepared update: {@code out = (coefX * x - coefM * m0) - coefB * residual}, the residual being
     * {@code sum_k rhos[k] * (history[k+1] - m0) / rks[k]} plus, for the corrector, {@code rhoT * (modelT - m0)}.
     */
    record Update(float coefX, float coefM, float coefB, float[] rhos, float[] rks, boolean corrector, float rhoT) {
    }

    /** The predictor from step i to i+1 of the given order (history entries 0..order-1 are used). */
    Update predictor(int i, int order) {
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
        return update(i + 1, i, c, rhos, rks, false, 0f);
    }

    /**
     * The corrector at step i (after the model ran at the predicted sample): recomputes the step from i-1 to
     * i with the new output included; it is applied to the history before that output was added.
     */
    Update corrector(int i, int order) {
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
        return update(i, i - 1, c, java.util.Arrays.copyOf(rhos, order - 1), rks, true, rhos[order - 1]);
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

    /** x0 form steps with sigma_t/sigma_s and alpha_t, noise form with alpha_t/alpha_s and sigma_t. */
    private Update update(int t, int s, Coefficients c, float[] rhos, float[] rks, boolean corrector, float rhoT) {
        float coefX = predictX0 ? plan.sigmaT(t) / plan.sigmaT(s) : plan.alpha(t) / plan.alpha(s);
        float base = predictX0 ? plan.alpha(t) : plan.sigmaT(t);
        return new Update(coefX, base * c.hPhi1(), base * c.bh(), rhos, rks, corrector, rhoT);
    }

    /**
     * Applies an update to elements {@code [from, to)}: reads {@code x} and the history (newest first),
     * plus {@code modelT} for the corrector, and writes {@code out} (which may be {@code x}).
     *
     * <p>Each shape of update has its own small loop, which C2 vectorises; the corrector's residual goes
     * through {@code scratch} (any array whose elements in range are free), because C2 does not vectorise the
     * one-loop form of that expression. The float32 operations per element are the same either way.
     */
    static void apply(Update u, float[][] history, float[] modelT, float[] x, float[] out, float[] scratch,
                      int from, int to) {
        int terms = u.rhos().length;
        float[] m0 = history[0];
        if (terms == 0 && !u.corrector()) {
            noResidual(u.coefX(), u.coefM(), m0, x, out, from, to);
        } else if (terms == 1 && !u.corrector()) {
            oneDifference(u.coefX(), u.coefM(), u.coefB(), u.rhos()[0], u.rks()[0], m0, history[1], x, out, from, to);
        } else if (terms <= 1) {
            if (terms == 0) {
                newOutputResidual(u.rhoT(), m0, modelT, scratch, from, to);
            } else {
                correctorResidual(u.rhos()[0], u.rks()[0], u.rhoT(), m0, history[1], modelT, scratch, from, to);
            }
            withResidual(u.coefX(), u.coefM(), u.coefB(), m0, scratch, x, out, from, to);
        } else {
            general(u, history, modelT, x, out, from, to);
        }
    }

    /**
     * Order 1 predictor: no residual term. diffusers still subtracts alpha_t*B(h)*0, which is NaN when B(h)
     * is infinite (bh1 stepping to sigma 0); Kino leaves the empty term out, as the formula means.
     */
    private static void noResidual(float coefX, float coefM, float[] m0, float[] x, float[] out, int from, int to) {
        for (int e = from; e < to; e++) {
            out[e] = coefX * x[e] - coefM * m0[e];
        }
    }

    /** Order 2 predictor: the residual is {@code rho * (m1 - m0) / rk}. */
    private static void oneDifference(float coefX, float coefM, float coefB, float rho, float rk, float[] m0,
                                      float[] m1, float[] x, float[] out, int from, int to) {
        for (int e = from; e < to; e++) {
            float res = rho * ((m1[e] - m0[e]) / rk);
            out[e] = (coefX * x[e] - coefM * m0[e]) - coefB * res;
        }
    }

    /** Order 1 corrector's residual: {@code rhoT * (modelT - m0)}. */
    private static void newOutputResidual(float rhoT, float[] m0, float[] modelT, float[] res, int from, int to) {
        for (int e = from; e < to; e++) {
            res[e] = rhoT * (modelT[e] - m0[e]);
        }
    }

    /** Order 2 corrector's residual: {@code rho * (m1 - m0) / rk + rhoT * (modelT - m0)}. */
    private static void correctorResidual(float rho, float rk, float rhoT, float[] m0, float[] m1, float[] modelT,
                                          float[] res, int from, int to) {
        for (int e = from; e < to; e++) {
            res[e] = rho * ((m1[e] - m0[e]) / rk) + rhoT * (modelT[e] - m0[e]);
        }
    }

    /** {@code out = (coefX * x - coefM * m0) - coefB * res}. */
    private static void withResidual(float coefX, float coefM, float coefB, float[] m0, float[] res, float[] x,
                                     float[] out, int from, int to) {
        for (int e = from; e < to; e++) {
            out[e] = (coefX * x[e] - coefM * m0[e]) - coefB * res[e];
        }
    }

    /** Order 3 and the rest: any number of history differences. */
    private static void general(Update u, float[][] history, float[] modelT, float[] x, float[] out, int from, int to) {
        float[] m0 = history[0];
        int terms = u.rhos().length;
        for (int e = from; e < to; e++) {
            float res = 0;
            for (int k = 0; k < terms; k++) {
                res += u.rhos()[k] * ((history[k + 1][e] - m0[e]) / u.rks()[k]);
            }
            if (u.corrector()) {
                res = res + u.rhoT() * (modelT[e] - m0[e]);
            }
            out[e] = (u.coefX() * x[e] - u.coefM() * m0[e]) - u.coefB() * res;
        }
    }
}
