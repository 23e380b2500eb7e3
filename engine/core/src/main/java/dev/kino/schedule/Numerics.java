package dev.kino.schedule;

/**
 * The handful of torch and numpy array routines the schedulers' set-up code uses, reproduced with the same
 * precision and evaluation order so that Kino's sigmas and timesteps equal diffusers' bit for bit (or within
 * an ulp where only a libm call differs).
 *
 * <p>Naming follows the library being mirrored: {@code torch*} routines work in float32 like a float32 tensor
 * on the CPU, the others in float64 like numpy.
 */
final class Numerics {
    private Numerics() {
    }

    /**
     * {@code torch.linspace(start, end, steps, dtype=torch.float32)} on the CPU as PyTorch 2.x computes it on
     * an AVX2 / AVX-512 machine: start and end are rounded to float, the first half is {@code start + step*i}
     * and the second half {@code end - step*(steps-1-i)}, each with a single rounding because the compiler
     * fuses the multiply-add (FMA) in those builds. The last bits of some betas depend on this.
     *
     * <p>PyTorch 1.13 built each vector of 8 from one base value instead; its betas (in the shared golden
     * files) differ from these by at most 3 ulp, which moves trajectories by about 1e-6.
     */
    static float[] torchLinspace(double start, double end, int steps) {
        float[] out = new float[steps];
        if (steps == 0) {
            return out;
        }
        float s = (float) start;
        float e = (float) end;
        if (steps == 1) {
            out[0] = s;
            return out;
        }
        float step = (e - s) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++) {
            out[i] = i < halfway ? Math.fma(step, i, s) : Math.fma(-step, steps - i - 1, e);
        }
        return out;
    }

    /** {@code torch.cumprod} of a float32 tensor: PyTorch accumulates in double and rounds each output. */
    static float[] torchCumprod(float[] a) {
        float[] out = new float[a.length];
        double acc = 1.0;
        for (int i = 0; i < a.length; i++) {
            acc *= a[i];
            out[i] = (float) acc;
        }
        return out;
    }

    /** {@code ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5} as float32 tensor ops: the training sigmas. */
    static float[] torchSigmas(float[] alphasCumprod) {
        float[] out = new float[alphasCumprod.length];
        for (int i = 0; i < out.length; i++) {
            float a = alphasCumprod[i];
            out[i] = sqrtf((1f - a) / a);
        }
        return out;
    }

    /** float32 square root (torch's {@code x ** 0.5}); the double result rounds to the exact float root. */
    static float sqrtf(float x) {
        return (float) Math.sqrt(x);
    }

    /** float32 natural log (torch.log / np.log on float32); correctly rounded except in rare libm ties. */
    static float logf(float x) {
        return (float) StrictMath.log(x);
    }

    static float expf(float x) {
        return (float) StrictMath.exp(x);
    }

    static float expm1f(float x) {
        return (float) StrictMath.expm1(x);
    }

    /** Widens a float32 array (numpy's {@code astype(np.float64)}). */
    static double[] widen(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    /** Rounds a float64 array to float32 (numpy's {@code astype(np.float32)}). */
    static float[] narrow(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) a[i];
        }
        return out;
    }

    /**
     * {@code np.linspace(start, stop, num)} in float64: {@code start + i*step} with the last value pinned to
     * stop; a single value is just start.
     */
    static double[] linspace(double start, double stop, int num) {
        double[] out = new double[num];
        if (num <= 1) {
            if (num == 1) {
                out[0] = start;
            }
            return out;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            out[i] = i * step + start;
        }
        out[num - 1] = stop;
        return out;
    }

    /**
     * {@code np.arange(start, stop, step)} in float64: the length is {@code ceil((stop-start)/step)} and the
     * values are {@code start + i*delta} where numpy takes delta as {@code (start+step) - start}.
     */
    static double[] arange(double start, double stop, double step) {
        int n = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] out = new double[n];
        if (n == 0) {
            return out;
        }
        out[0] = start;
        if (n > 1) {
            double delta = (start + step) - start;
            for (int i = 1; i < n; i++) {
                out[i] = start + i * delta;
            }
        }
        return out;
    }

    /**
     * {@code np.interp(x, np.arange(len(fp)), fp)} with float32 table values, evaluated in float64 as numpy
     * does: exact hits return the table value, otherwise {@code slope*(x - xp[j]) + fp[j]}; ends clamp.
     */
    static double[] interpOnIndex(double[] x, float[] fp) {
        double[] out = new double[x.length];
        int last = fp.length - 1;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (Double.isNaN(v)) {
                out[i] = v;
            } else if (v >= last) {
                out[i] = fp[last];
            } else if (v <= 0) {
                out[i] = fp[0];
            } else {
                int j = (int) Math.floor(v);
                if (v == j) {
                    out[i] = fp[j];
                } else {
                    double slope = ((double) fp[j + 1] - fp[j]) / ((j + 1) - j);
                    out[i] = slope * (v - j) + fp[j];
                }
            }
        }
        return out;
    }

    /** Reverses an array in place ({@code [::-1]} / {@code np.flip}) and returns it. */
    static double[] reverse(double[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            double t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** Appends one value (numpy's {@code np.concatenate([a, [v]])}). */
    static double[] append(double[] a, double v) {
        double[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = v;
        return out;
    }
}
