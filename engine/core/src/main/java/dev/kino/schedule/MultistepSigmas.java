package dev.kino.schedule;

/**
 * The sigma plan DPM-Solver and UniPC share: integer timesteps from the "drop last" spacing, sigmas
 * interpolated from the training schedule or re-spaced (Karras, exponential), or flow-matching sigmas; and
 * the mapping from sigma to (alpha_t, sigma_t, lambda_t) both solvers step with.
 *
 * <p>Results are left in {@link #timesteps} (int64 values as doubles) and {@link #sigmas} (float32, one more
 * than the steps).
 */
final class MultistepSigmas {
    final boolean flow;
    double[] timesteps;
    float[] sigmas;

    MultistepSigmas(boolean flow) {
        this.flow = flow;
    }

    /** float64 sigmas and (fractional) timesteps before the final sigma is appended. */
    record Plan(double[] sigmas, double[] timesteps, boolean respaced) {
    }

    /**
     * Sigmas for a DDPM-family model: the training sigmas interpolated at the spaced timesteps, or re-spaced
     * between {@code sigmaMin} and {@code sigmaMax} with the timesteps recovered from them.
     *
     * @param roundKarras whether Karras timesteps are rounded before the int64 cast (both solvers do, except
     *                    DPM-Solver with the cosine schedule); exponential ones never are
     */
    static Plan diffusion(TrainingSchedule train, double[] spaced, SigmaSpacing spacing, double sigmaMin,
                          double sigmaMax, boolean roundKarras) {
        int steps = spaced.length;
        double[] respaced = spacing.respace(sigmaMin, sigmaMax, steps);
        if (respaced == null) {
            return new Plan(Numerics.interpOnIndex(spaced, train.sigmas), spaced, false);
        }
        float[] logSigmas = train.logSigmas();
        double[] t = new double[steps];
        for (int i = 0; i < steps; i++) {
            double v = SigmaSchedules.sigmaToT(respaced[i], logSigmas);
            t[i] = roundKarras && spacing == SigmaSpacing.KARRAS ? Math.rint(v) : v;
        }
        return new Plan(respaced, t, true);
    }

    /** Sets the plan from float64 sigmas and timesteps: sigmas get the final value appended, timesteps become int64. */
    void finish(double[] s, double[] t, double sigmaLast) {
        sigmas = Numerics.narrow(Numerics.append(s, sigmaLast));
        timesteps = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            timesteps[i] = (long) t[i]; // torch .to(int64) truncates toward zero
        }
    }

    /** alpha_t for the i-th sigma: {@code 1 - sigma} for flow sigmas, else {@code 1 / sqrt(sigma^2 + 1)}. */
    float alpha(int i) {
        float s = sigmas[i];
        return flow ? 1 - s : 1 / Numerics.sqrtf(s * s + 1);
    }

    /** sigma_t for the i-th sigma: the sigma itself for flow sigmas, else {@code sigma * alpha_t}. */
    float sigmaT(int i) {
        return flow ? sigmas[i] : sigmas[i] * alpha(i);
    }

    /** The half log-SNR {@code log(alpha_t) - log(sigma_t)}; +inf at sigma 0. */
    float lambda(int i) {
        return Numerics.logf(alpha(i)) - Numerics.logf(sigmaT(i));
    }
}
