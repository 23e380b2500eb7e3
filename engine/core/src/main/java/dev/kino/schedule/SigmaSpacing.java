package dev.kino.schedule;

/**
 * How a scheduler re-spaces its sigmas after the timestep spacing: not at all, Karras et al.'s rho=7
 * spacing ({@code use_karras_sigmas}) or log-linear ({@code use_exponential_sigmas}). diffusers' third option,
 * {@code use_beta_sigmas}, needs the inverse incomplete beta function and is refused.
 */
enum SigmaSpacing {
    DEFAULT, KARRAS, EXPONENTIAL;

    static SigmaSpacing read(SchedulerConfig config, String className) {
        boolean karras = config.getBoolean("use_karras_sigmas", false);
        boolean exponential = config.getBoolean("use_exponential_sigmas", false);
        boolean beta = config.getBoolean("use_beta_sigmas", false);
        if ((karras ? 1 : 0) + (exponential ? 1 : 0) + (beta ? 1 : 0) > 1) {
            throw new SchedulerException("Only one of the scheduler settings 'use_karras_sigmas', "
                    + "'use_exponential_sigmas' and 'use_beta_sigmas' may be true.");
        }
        if (beta) {
            throw new SchedulerException("Scheduler setting 'use_beta_sigmas' is true, but Kino's " + className
                    + " does not implement beta-distributed sigmas; use 'use_karras_sigmas' or "
                    + "'use_exponential_sigmas' instead.");
        }
        return karras ? KARRAS : exponential ? EXPONENTIAL : DEFAULT;
    }

    /** Re-spaces n sigmas between the given bounds (float64), or returns null for {@link #DEFAULT}. */
    double[] respace(double sigmaMin, double sigmaMax, int n) {
        return switch (this) {
            case KARRAS -> SigmaSchedules.karras(sigmaMin, sigmaMax, n);
            case EXPONENTIAL -> SigmaSchedules.exponential(sigmaMin, sigmaMax, n);
            case DEFAULT -> null;
        };
    }
}
