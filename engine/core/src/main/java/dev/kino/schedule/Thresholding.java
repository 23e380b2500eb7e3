package dev.kino.schedule;

/**
 * Dynamic thresholding (Imagen's percentile clipping of x0) is a pixel-space technique diffusers offers on
 * several schedulers; latent video models never enable it, and Kino does not implement it. This reads its
 * three keys so they count as understood, and refuses a config that turns it on.
 */
final class Thresholding {
    private Thresholding() {
    }

    static void rejectIfEnabled(SchedulerConfig config, String className) {
        config.getDouble("dynamic_thresholding_ratio", 0.995);
        config.getDouble("sample_max_value", 1.0);
        if (config.getBoolean("thresholding", false)) {
            throw new SchedulerException("Scheduler setting 'thresholding' is true, but Kino's " + className
                    + " does not implement dynamic thresholding (a pixel-space technique); set it to false.");
        }
    }
}
