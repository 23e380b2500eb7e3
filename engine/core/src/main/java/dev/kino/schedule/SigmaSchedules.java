package dev.kino.schedule;

/**
 * Sigma-space helpers shared by the scheduler classes, each mirroring the diffusers method of the same
 * name in float64 (numpy) arithmetic: Karras and exponential spacing, the sigma-to-timestep inversion, the
 * flow-matching shifts and LTX-Video's {@code calculate_shift}.
 */
final class SigmaSchedules {
    /** Karras et al.'s rho. */
    private static final double RHO = 7.0;

    private SigmaSchedules() {
    }

    /** {@code _convert_to_karras}: n sigmas evenly spaced in sigma^(1/7) from sigmaMax down to sigmaMin. */
    static double[] karras(double sigmaMin, double sigmaMax, int n) {
        double[] ramp = Numerics.linspace(0, 1, n);
        double minInvRho = StrictMath.pow(sigmaMin, 1 / RHO);
        double maxInvRho = StrictMath.pow(sigmaMax, 1 / RHO);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = StrictMath.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), RHO);
        }
        return out;
    }

    /** {@code _convert_to_exponential}: n sigmas evenly spaced in log sigma from sigmaMax down to sigmaMin. */
    static double[] exponential(double sigmaMin, double sigmaMax, int n) {
        double[] logs = Numerics.linspace(StrictMath.log(sigmaMax), StrictMath.log(sigmaMin), n);
        for (int i = 0; i < n; i++) {
            logs[i] = StrictMath.exp(logs[i]);
        }
        return logs;
    }

    /** {@code _convert_to_lu}: n log-SNR values (lambdas) evenly spaced from the first to the last given. */
    static double[] luLambdas(double lambdaMax, double lambdaMin, int n) {
        double[] ramp = Numerics.linspace(0, 1, n);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = lambdaMax + ramp[i] * (lambdaMin - lambdaMax);
        }
        return out;
    }

    /**
     * {@code _sigma_to_t}: the fractional training timestep whose sigma is {@code sigma}, interpolating
     * linearly in log sigma between the two neighbouring training sigmas ({@code logSigmas} ascending).
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = StrictMath.log(Math.max(sigma, 1e-10));
        // numpy: the last index whose log sigma is <= the target (0 when none is), at most len-2.
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                low = i;
            }
        }
        low = Math.min(low, logSigmas.length - 2);
        double lo = logSigmas[low];
        double hi = logSigmas[low + 1];
        double w = (lo - logSigma) / (lo - hi);
        w = Math.min(Math.max(w, 0), 1);
        return (1 - w) * low + w * (low + 1);
    }

    /** The static flow-matching shift {@code shift*s / (1 + (shift-1)*s)} in float64. */
    static double shift(double shift, double s) {
        return shift * s / (1 + (shift - 1) * s);
    }

    /** The same shift on float32 values with float32 arithmetic (numpy on a float32 array). */
    static float shift(double shift, float s) {
        float k = (float) shift;
        return k * s / (1 + ((float) (shift - 1)) * s);
    }

    /**
     * {@code time_shift(mu, 1.0, t)} in float64: exponential {@code e^mu / (e^mu + (1/t - 1))} or linear
     * {@code mu / (mu + (1/t - 1))}.
     */
    static double timeShift(String type, double mu, double t) {
        double m = "linear".equals(type) ? mu : StrictMath.exp(mu);
        return m / (m + (1 / t - 1));
    }

    /** {@code time_shift(mu, 1.0, t)} on a float32 array: Python's e^mu is rounded to float32 first. */
    static float timeShift(String type, double mu, float t) {
        float m = (float) ("linear".equals(type) ? mu : StrictMath.exp(mu));
        return m / (m + (1 / t - 1));
    }

    /** {@code stretch_shift_to_terminal} in float64: rescale 1-s so the last sigma lands on {@code terminal}. */
    static void stretchToTerminal(double[] s, double terminal) {
        double scale = (1 - s[s.length - 1]) / (1 - terminal);
        for (int i = 0; i < s.length; i++) {
            s[i] = 1 - ((1 - s[i]) / scale);
        }
    }

    /** The same on a float32 array (numpy 2 keeps the scale factor in float32 too). */
    static void stretchToTerminal(float[] s, double terminal) {
        float scale = (1 - s[s.length - 1]) / (float) (1 - terminal);
        for (int i = 0; i < s.length; i++) {
            s[i] = 1 - ((1 - s[i]) / scale);
        }
    }

    /**
     * LTX-Video's {@code calculate_shift}: mu grows linearly with the token count, from {@code baseShift} at
     * {@code baseSeqLen} tokens to {@code maxShift} at {@code maxSeqLen}.
     */
    static double calculateShift(int seqLen, double baseSeqLen, double maxSeqLen, double baseShift, double maxShift) {
        double m = (maxShift - baseShift) / (maxSeqLen - baseSeqLen);
        double b = baseShift - m * baseSeqLen;
        return seqLen * m + b;
    }
}
