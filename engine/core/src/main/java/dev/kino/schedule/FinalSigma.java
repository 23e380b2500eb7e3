package dev.kino.schedule;

/**
 * diffusers' {@code final_sigmas_type}: whether the last step lands on sigma 0 (a fully denoised sample) or
 * stops at the smallest training sigma ({@code sigma_min}).
 */
final class FinalSigma {
    private FinalSigma() {
    }

    /** True for {@code sigma_min}, false for {@code zero} (the default). */
    static boolean isSigmaMin(SchedulerConfig config) {
        String type = config.getString("final_sigmas_type", "zero");
        return switch (type) {
            case "zero" -> false;
            case "sigma_min" -> true;
            default -> throw new SchedulerException("Scheduler setting 'final_sigmas_type' is '" + type
                    + "'; use zero or sigma_min.");
        };
    }
}
