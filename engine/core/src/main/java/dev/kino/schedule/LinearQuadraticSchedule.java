package dev.kino.schedule;

/**
 * LTX-Video's linear-quadratic noise schedule, the one diffusers' {@code LTXConditionPipeline} samples with
 * when it is given no timestep list ({@code linear_quadratic_schedule} in {@code pipeline_ltx_condition.py},
 * from LTX-Video's {@code rf.py}): the first half of the steps lowers sigma linearly by
 * {@code threshold_noise} (0.025) in all, the second half quadratically down to the end.
 */
public final class LinearQuadraticSchedule {
    private static final double THRESHOLD_NOISE = 0.025;

    private LinearQuadraticSchedule() {
    }

    /**
     * The timesteps the pipeline hands to {@code set_timesteps(timesteps=...)}: the sigmas computed in float64
     * as Python does, made a float32 tensor, times 1000 in float32.
     *
     * @param steps number of steps, at least 1
     */
    public static double[] timesteps(int steps) {
        if (steps < 1) {
            throw new SchedulerException("Steps must be at least 1.");
        }
        if (steps < 2) {
            return new double[] {1000.0};
        }
        int linearSteps = steps / 2;
        double[] x = new double[steps];
        for (int i = 0; i < linearSteps; i++) {
            x[i] = i * THRESHOLD_NOISE / linearSteps;
        }
        double stepDiff = linearSteps - THRESHOLD_NOISE * steps;
        int quadraticSteps = steps - linearSteps;
        double quadraticCoef = stepDiff / (linearSteps * (double) (quadraticSteps * quadraticSteps));
        double linearCoef = THRESHOLD_NOISE / linearSteps - 2 * stepDiff / (quadraticSteps * quadraticSteps);
        double constant = quadraticCoef * (linearSteps * linearSteps);
        for (int i = linearSteps; i < steps; i++) {
            x[i] = quadraticCoef * (i * i) + linearCoef * i + constant;
        }
        double[] t = new double[steps];
        for (int i = 0; i < steps; i++) {
            t[i] = (float) (1.0 - x[i]) * 1000f;
        }
        return t;
    }
}
