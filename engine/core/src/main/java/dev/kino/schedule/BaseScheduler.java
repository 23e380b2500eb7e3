package dev.kino.schedule;

import java.util.Arrays;

/**
 * Bookkeeping every scheduler shares: its name and config, the planned timesteps and sigmas, index checks,
 * and work arrays that are sized once per run (never per step).
 */
abstract class BaseScheduler implements Scheduler {
    private final String name;
    private final SchedulerConfig config;
    private final PredictionType predictionType;

    /** Timesteps of the planned run, diffusers' values exactly (int64 or float32 widened to double). */
    protected double[] timesteps = new double[0];
    /** float32 sigmas of the planned run (length steps+1), or null for schedulers without sigmas. */
    protected float[] sigmas;

    BaseScheduler(String name, SchedulerConfig config, PredictionType predictionType) {
        this.name = name;
        this.config = config;
        this.predictionType = predictionType;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final SchedulerConfig config() {
        return config;
    }

    @Override
    public final PredictionType predictionType() {
        return predictionType;
    }

    @Override
    public final int steps() {
        return timesteps.length;
    }

    @Override
    public final double timestep(int i) {
        checkStep(i);
        return timesteps[i];
    }

    @Override
    public float[] sigmas() {
        return sigmas == null ? null : sigmas.clone();
    }

    @Override
    public float initNoiseSigma() {
        return 1.0f;
    }

    /** Schedulers without input scaling hand the latents over unchanged. */
    @Override
    public void scaleModelInput(float[] sample, int i, float[] out) {
        checkStep(i);
        if (out != sample) {
            System.arraycopy(sample, 0, out, 0, sample.length);
        }
    }

    @Override
    public boolean noisesSamples() {
        return predictionType() == PredictionType.FLOW && sigmas() != null;
    }

    /** Flow sigmas: {@code (1 - sigma_i) * sample + sigma_i * noise}, each product rounded to float32 as torch does. */
    @Override
    public void addNoise(float[] sample, float[] noise, int i) {
        checkStep(i);
        if (!noisesSamples()) {
            Scheduler.super.addNoise(sample, noise, i);
        }
        checkSameLength(noise, sample);
        float sigma = sigmas()[i];
        float alpha = 1.0f - sigma;
        for (int j = 0; j < sample.length; j++) {
            sample[j] = alpha * sample[j] + sigma * noise[j];
        }
    }

    /**
     * Saves the run state: a header naming the scheduler and its plan, then what {@link #writeRunState}
     * adds. Schedulers whose steps depend only on the plan add nothing.
     */
    @Override
    public final byte[] saveState() {
        StateCodec.Writer w = new StateCodec.Writer().putString(name).putInt(timesteps.length);
        writeRunState(w);
        return w.toBytes();
    }

    @Override
    public final void restoreState(byte[] state) {
        if (timesteps.length == 0) {
            throw new IllegalStateException("setTimesteps must be called before restoreState.");
        }
        StateCodec.Reader r = new StateCodec.Reader(state);
        String savedName = r.getString();
        int savedSteps = r.getInt();
        if (!savedName.equals(name) || savedSteps != timesteps.length) {
            throw new SchedulerException("The saved state is of " + savedName + " planned for " + savedSteps
                    + " steps, but this run is " + name + " with " + timesteps.length + " steps; resume with the plan"
                    + " it was saved under.");
        }
        readRunState(r);
        r.end();
    }

    /** Writes the state later steps read (multistep history, counters); nothing by default. */
    void writeRunState(StateCodec.Writer w) {
    }

    /** Reads what {@link #writeRunState} wrote, replacing the run state. */
    void readRunState(StateCodec.Reader r) {
    }

    /** Validates the step count before planning. */
    static void checkSteps(int steps) {
        if (steps < 1) {
            throw new SchedulerException("The number of steps must be at least 1, not " + steps + ".");
        }
    }

    final void checkStep(int i) {
        if (timesteps.length == 0) {
            throw new IllegalStateException("setTimesteps must be called before stepping " + name + ".");
        }
        if (i < 0 || i >= timesteps.length) {
            throw new IndexOutOfBoundsException("Step " + i + " outside the planned " + timesteps.length + " steps.");
        }
    }

    static void checkSameLength(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("Model output has " + a.length + " values but the latents have " + b.length + ".");
        }
    }

    /** Returns {@code buffer} when it already holds n floats, else a new array: one allocation per run. */
    static float[] workArray(float[] buffer, int n) {
        return buffer != null && buffer.length == n ? buffer : new float[n];
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(timesteps);
    }
}
