package dev.kino.schedule;

/**
 * diffusers' {@code timestep_spacing} rules ({@code linspace}, {@code leading}, {@code trailing}; Table 2 of
 * "Common Diffusion Noise Schedules and Sample Steps are Flawed"), in the two flavours the scheduler classes
 * use. Timesteps come back in sampling order (largest first) as doubles holding diffusers' values exactly.
 *
 * <p>One deliberate deviation: numpy's {@code arange(T, 0, -T/N)} yields N+1 values for some N (61, 103, ...)
 * because {@code T/(T/N)} rounds up past N; diffusers then runs an extra step at timestep -1. Kino keeps the
 * N steps that were asked for.
 */
final class TimestepSpacing {
    private TimestepSpacing() {
    }

    static String read(SchedulerConfig config, String fallback) {
        String spacing = config.getString("timestep_spacing", fallback);
        return switch (spacing) {
            case "linspace", "leading", "trailing" -> spacing;
            default -> throw new SchedulerException("Scheduler setting 'timestep_spacing' is '" + spacing
                    + "'; use linspace, leading or trailing.");
        };
    }

    /**
     * One timestep per step, as DDIM, Euler and Euler Ancestral space them: {@code linspace} over
     * [0, T-1] (rounded to integers only when {@code integer}), {@code leading} multiples of T//N plus
     * {@code steps_offset}, {@code trailing} multiples of T/N counted down from T, minus one.
     */
    static double[] perStep(String spacing, int trainSteps, int steps, int stepsOffset, boolean integer) {
        double[] t;
        switch (spacing) {
            case "linspace" -> {
                t = Numerics.reverse(Numerics.linspace(0, trainSteps - 1, steps));
                for (int i = 0; i < t.length; i++) {
                    t[i] = integer ? Math.rint(t[i]) : (float) t[i];
                }
            }
            case "leading" -> {
                int ratio = trainSteps / steps;
                t = new double[steps];
                for (int i = 0; i < steps; i++) {
                    t[i] = (double) (steps - 1 - i) * ratio + stepsOffset;
                }
            }
            case "trailing" -> t = trailing(trainSteps, trainSteps, steps);
            default -> throw new IllegalStateException(spacing);
        }
        return t;
    }

    /**
     * The DPM-Solver / UniPC flavour: N+1 points are spaced and the last (smallest) dropped, so the final step
     * does not start at timestep 0. {@code lastTimestep} is T unless {@code lambda_min_clipped} cuts the
     * schedule short.
     */
    static double[] dropLast(String spacing, int trainSteps, int lastTimestep, int steps, int stepsOffset) {
        double[] t = new double[steps];
        switch (spacing) {
            case "linspace" -> {
                double[] points = Numerics.linspace(0, lastTimestep - 1, steps + 1);
                for (int i = 0; i < steps; i++) {
                    t[i] = Math.rint(points[steps - i]);
                }
            }
            case "leading" -> {
                int ratio = lastTimestep / (steps + 1);
                for (int i = 0; i < steps; i++) {
                    t[i] = (double) (steps - i) * ratio + stepsOffset;
                }
            }
            case "trailing" -> t = trailing(trainSteps, lastTimestep, steps);
            default -> throw new IllegalStateException(spacing);
        }
        return t;
    }

    /** {@code round(np.arange(start, 0, -T/N)) - 1}, limited to N values (see the class comment). */
    private static double[] trailing(int trainSteps, int start, int steps) {
        double[] points = Numerics.arange(start, 0, -((double) trainSteps / steps));
        int n = Math.min(points.length, steps);
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = Math.rint(points[i]) - 1;
        }
        return t;
    }
}
