package dev.kino.schedule;

import dev.kino.noise.TorchGenerator;

/**
 * A diffusion sampler: it plans the timesteps of a run and moves the latents one step at a time.
 *
 * <p>The contract mirrors diffusers' {@code SchedulerMixin} so that a run can be compared with diffusers
 * value for value: {@link #setTimesteps} is {@code set_timesteps}, {@link #timestep} is
 * {@code scheduler.timesteps[i]}, {@link #scaleModelInput} is {@code scale_model_input} and {@link #step}
 * is {@code step(...).prev_sample}. Arithmetic is float32 wherever diffusers' is, so trajectories match.
 *
 * <p>Instances are stateful (multistep solvers remember earlier model outputs): one instance serves one
 * generation at a time, and {@link #setTimesteps} starts a new run. Work arrays are allocated once per
 * run, never per step.
 */
public interface Scheduler {

    /** The Kino name this scheduler was built under, e.g. {@code ddim} or {@code flow-euler}. */
    String name();

    /** The configuration it was built from (diffusers' {@code scheduler_config.json} keys). */
    SchedulerConfig config();

    /**
     * What this scheduler expects the denoiser to predict. The pipeline checks it against the manifest's
     * {@code denoiser.prediction_type} ({@link Schedulers#checkPrediction}) before the first step.
     */
    PredictionType predictionType();

    /**
     * Plans a run of {@code steps} denoising steps and resets all state.
     *
     * @param steps          number of denoiser evaluations, at least 1
     * @param sequenceLength tokens the denoiser sees per sample (latent frames x height x width over its
     *                       patch size); only schedulers with dynamic shifting use it
     */
    void setTimesteps(int steps, int sequenceLength);

    /**
     * Plans a run on a given timestep list, as diffusers' {@code set_timesteps(timesteps=...)} (a distilled
     * model's own list, or LTXConditionPipeline's linear-quadratic schedule). Only schedulers whose diffusers
     * class takes custom timesteps implement it ({@link #takesTimestepList()}).
     *
     * @param timesteps         the list, from high noise to low ({@code sigma x num_train_timesteps})
     * @param sigmaFromTimestep step with {@code sigma = timestep / num_train_timesteps} and the next lower
     *                          sigma, as LTXConditionPipeline's {@code step(..., per_token_timesteps=...)} does
     */
    default boolean takesTimestepList() {
        return false;
    }

    default void setCustomTimesteps(double[] timesteps, boolean sigmaFromTimestep) {
        throw new SchedulerException("Scheduler " + name() + " does not take a timestep list (diffusers' "
                + "set_timesteps(timesteps=...)); use flow-euler or leave --scheduler out.");
    }

    /**
     * Plans a run on a given sigma list, as diffusers' {@code set_timesteps(sigmas=...)}: the list as float32,
     * shifted, timesteps {@code sigma x num_train_timesteps}. Only schedulers that take a timestep list take one.
     */
    default void setCustomSigmas(double[] sigmas) {
        throw new SchedulerException("Scheduler " + name() + " does not take a sigma list (diffusers' "
                + "set_timesteps(sigmas=...)); use flow-euler or leave --scheduler out.");
    }

    /** Number of steps planned by the last {@link #setTimesteps}. */
    int steps();

    /** The timestep the denoiser is conditioned on at step {@code i}, as diffusers' {@code timesteps[i]}. */
    double timestep(int i);

    /** True when diffusers keeps this scheduler's timesteps as int64 (DDIM, DPM-Solver, UniPC). */
    boolean integerTimesteps();

    /**
     * diffusers' {@code scheduler.sigmas} after {@link #setTimesteps}: {@code steps()+1} float32 values, the
     * last being the final sigma (usually 0); null for schedulers without sigmas (DDIM). A copy, for
     * inspection and tests.
     */
    float[] sigmas();

    /** Standard deviation of the initial noise: latents start as {@code noise * initNoiseSigma()}. */
    float initNoiseSigma();

    /**
     * Writes the denoiser's input for step {@code i} into {@code out}, which may be {@code sample} itself (a
     * copy when the scheduler has no scaling).
     */
    void scaleModelInput(float[] sample, int i, float[] out);

    /**
     * Advances {@code sample} in place from step {@code i} to the next, given the denoiser's (guided) output.
     *
     * @param generator source of fresh noise for ancestral/stochastic samplers; the same generator that drew
     *                  the initial latents, so a seed reproduces diffusers' run. Deterministic samplers ignore it.
     */
    void step(float[] modelOutput, int i, float[] sample, TorchGenerator generator);

    /**
     * The state this run carries from one step to the next (a multistep solver's history of model outputs and
     * counters), as bytes a checkpoint stores. Together with the latents and the generator's state it lets a
     * new scheduler of the same name and config continue the run bit for bit ({@link #restoreState}).
     */
    byte[] saveState();

    /**
     * Continues a run from {@link #saveState}'s bytes: call {@link #setTimesteps} with the saved run's
     * arguments first, then this, then step on from the step after the saved one.
     *
     * @throws SchedulerException when the state is of another scheduler or plan, or damaged
     */
    void restoreState(byte[] state);
}
