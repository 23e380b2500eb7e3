package dev.kino.schedule;

/**
 * The noise schedule a DDPM-family model was trained with: betas, {@code alphas_cumprod} and the matching
 * sigmas, computed in float32 exactly as diffusers' scheduler constructors compute them with torch.
 *
 * <p>Config keys: {@code num_train_timesteps}, {@code beta_start}, {@code beta_end}, {@code beta_schedule}
 * ({@code linear}, {@code scaled_linear}, {@code squaredcos_cap_v2}), {@code trained_betas} and
 * {@code rescale_betas_zero_snr}.
 */
final class TrainingSchedule {
    /** diffusers pins the last alphas_cumprod to this after a zero-SNR rescale so sigma stays finite. */
    private static final float ZERO_SNR_ALPHA_CUMPROD = 0x1p-24f;

    final int trainSteps;
    final float[] betas;
    final float[] alphasCumprod;
    /** {@code ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5}, ascending with the training timestep. */
    final float[] sigmas;
    final boolean zeroSnr;

    private TrainingSchedule(int trainSteps, float[] betas, float[] alphasCumprod, boolean zeroSnr) {
        this.trainSteps = trainSteps;
        this.betas = betas;
        this.alphasCumprod = alphasCumprod;
        this.sigmas = Numerics.torchSigmas(alphasCumprod);
        this.zeroSnr = zeroSnr;
    }

    /**
     * Reads the training keys. {@code pinZeroSnrTail}: the Euler, DPM-Solver and UniPC classes replace the last
     * alphas_cumprod by 2^-24 after a zero-SNR rescale (so its sigma is finite); DDIM keeps the exact 0.
     */
    static TrainingSchedule from(SchedulerConfig config, boolean pinZeroSnrTail) {
        int n = config.getInt("num_train_timesteps", 1000);
        if (n < 2) {
            throw new SchedulerException("Scheduler setting 'num_train_timesteps' is " + n + " but must be at least 2.");
        }
        double betaStart = config.getDouble("beta_start", 0.0001);
        double betaEnd = config.getDouble("beta_end", 0.02);
        String schedule = config.getString("beta_schedule", "linear");
        double[] trained = config.getDoubleArray("trained_betas");
        boolean zeroSnr = config.getBoolean("rescale_betas_zero_snr", false);

        float[] betas;
        if (trained != null) {
            if (trained.length != n) {
                throw new SchedulerException("Scheduler setting 'trained_betas' has " + trained.length
                        + " values but 'num_train_timesteps' is " + n + "; make them agree.");
            }
            betas = Numerics.narrow(trained);
        } else {
            betas = switch (schedule) {
                case "linear" -> Numerics.torchLinspace(betaStart, betaEnd, n);
                case "scaled_linear" -> squared(Numerics.torchLinspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), n));
                case "squaredcos_cap_v2" -> cosineBetas(n);
                default -> throw new SchedulerException("Scheduler setting 'beta_schedule' is '" + schedule
                        + "'; Kino supports linear, scaled_linear and squaredcos_cap_v2 (or give trained_betas).");
            };
        }
        if (zeroSnr) {
            betas = rescaleZeroTerminalSnr(betas);
        }
        float[] alphas = new float[n];
        for (int i = 0; i < n; i++) {
            alphas[i] = 1.0f - betas[i];
        }
        float[] alphasCumprod = Numerics.torchCumprod(alphas);
        if (zeroSnr && pinZeroSnrTail) {
            alphasCumprod[n - 1] = ZERO_SNR_ALPHA_CUMPROD;
        }
        return new TrainingSchedule(n, betas, alphasCumprod, zeroSnr);
    }

    /** {@code x ** 2} of a float32 tensor: torch squares by multiplying. */
    private static float[] squared(float[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] = a[i] * a[i];
        }
        return a;
    }

    /**
     * Glide's cosine schedule ({@code betas_for_alpha_bar}, "cosine" transform, max beta 0.999): Python floats,
     * rounded to float32 at the end.
     */
    private static float[] cosineBetas(int n) {
        float[] betas = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            betas[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
        }
        return betas;
    }

    private static double alphaBar(double t) {
        double c = StrictMath.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /**
     * Rescales betas to zero terminal SNR (Lin et al. 2023, Algorithm 1) in float32 like diffusers'
     * {@code rescale_zero_terminal_snr}: shift sqrt(alphas_cumprod) so the last is 0, scale so the first is
     * unchanged, and convert back to betas.
     */
    private static float[] rescaleZeroTerminalSnr(float[] betas) {
        int n = betas.length;
        float[] alphas = new float[n];
        for (int i = 0; i < n; i++) {
            alphas[i] = 1.0f - betas[i];
        }
        float[] sqrtBar = Numerics.torchCumprod(alphas);
        for (int i = 0; i < n; i++) {
            sqrtBar[i] = Numerics.sqrtf(sqrtBar[i]);
        }
        float first = sqrtBar[0];
        float last = sqrtBar[n - 1];
        float scale = first / (first - last);
        float[] bar = new float[n];
        for (int i = 0; i < n; i++) {
            float s = (sqrtBar[i] - last) * scale;
            bar[i] = s * s;
        }
        float[] out = new float[n];
        out[0] = 1 - bar[0];
        for (int i = 1; i < n; i++) {
            out[i] = 1 - bar[i] / bar[i - 1];
        }
        return out;
    }

    /** The float32 natural logs of the training sigmas ({@code np.log} of the float32 array). */
    float[] logSigmas() {
        float[] out = new float[sigmas.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Numerics.logf(sigmas[i]);
        }
        return out;
    }

    /** {@code ((1 - alphas_cumprod[0]) / alphas_cumprod[0]) ** 0.5}: the smallest training sigma (float32). */
    float firstSigma() {
        return sigmas[0];
    }
}
