package dev.kino.denoise;

import dev.kino.DivergedException;
import dev.kino.noise.TorchGenerator;
import dev.kino.schedule.Scheduler;

import java.time.Duration;

/**
 * The heart of diffusion sampling, as diffusers' pipelines run it:
 * <pre>
 *   latents = randn(shape, seed) * init_noise_sigma
 *   for i, t in enumerate(timesteps):
 *       x     = scheduler.scale_model_input(latents, t)
 *       pred  = denoiser(x, t, text)            # guided: uncond + g * (cond - uncond)
 *       latents = scheduler.step(pred, t, latents)
 * </pre>
 * The three latent-sized arrays are allocated once; steps allocate nothing latent-sized.
 */
public final class DenoisingLoop {

    /** Thrown out of {@link #run} when a listener cancels. */
    public static final class Cancelled extends RuntimeException {
        private static final long serialVersionUID = 1L;
        /** Steps finished before the listener asked to stop. */
        private final int completedSteps;

        Cancelled(int completedSteps) {
            super("cancelled after " + completedSteps + " steps");
            this.completedSteps = completedSteps;
        }

        /** Steps finished before the listener asked to stop. */
        public int completedSteps() {
            return completedSteps;
        }
    }

    private DenoisingLoop() {
    }

    /** Draws the initial latents like {@code torch.randn(shape, generator) * init_noise_sigma}. */
    public static float[] initialLatents(long[] shape, TorchGenerator generator, float initNoiseSigma) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] latents = new float[Math.toIntExact(n)];
        generator.randn(latents);
        for (int i = 0; i < latents.length; i++) {
            latents[i] = latents[i] * initNoiseSigma;
        }
        return latents;
    }

    /**
     * Runs the planned steps of {@code scheduler} (already {@code setTimesteps}) from step {@code firstStep}
     * (0, or the step after a checkpoint) on {@code latents}, in place. After every step the latents are
     * checked for NaN and infinity, so a diverging run stops at the step where it went bad.
     *
     * @return the wall time of each step run
     * @throws Cancelled         when the listener returns false before the last step
     * @throws DivergedException when a step leaves non-finite latents
     */
    public static Duration[] run(Scheduler scheduler, Denoiser.Run denoiser, float[] latents, long[] shape,
                                 TorchGenerator generator, int firstStep, StepListener listener) {
        int steps = scheduler.steps();
        float[] modelInput = new float[latents.length];
        float[] prediction = new float[latents.length];
        Duration[] times = new Duration[steps - firstStep];
        StepEvent.LatentsView view = new ArrayView(latents, shape);
        long start = System.nanoTime();
        for (int i = firstStep; i < steps; i++) {
            long stepStart = System.nanoTime();
            double t = scheduler.timestep(i);
            scheduler.scaleModelInput(latents, i, modelInput);
            denoiser.predict(modelInput, t, prediction);
            scheduler.step(prediction, i, latents, generator);
            checkFinite(latents, i, steps, t);
            long now = System.nanoTime();
            times[i - firstStep] = Duration.ofNanos(now - stepStart);
            if (!listener.onStep(new StepEvent(i, steps, t, view, times[i - firstStep], Duration.ofNanos(now - start)))) {
                if (i + 1 < steps) {
                    throw new Cancelled(i + 1);
                }
            }
        }
        return times;
    }

    /** One pass over the latents: cheap next to a denoiser call, and it names the step that went wrong. */
    static void checkFinite(float[] latents, int step, int steps, double timestep) {
        for (float v : latents) {
            if (!Float.isFinite(v)) {
                throw new DivergedException("The latents became " + (Float.isNaN(v) ? "NaN" : "infinite") + " at step "
                        + (step + 1) + " of " + steps + " (timestep " + timestep + "): the guidance scale may be too"
                        + " large for this model, an fp16 graph may have overflowed, or the denoiser's weights are"
                        + " damaged; try a lower guidance or re-export the model.", step);
            }
        }
    }

    private record ArrayView(float[] data, long[] dims) implements StepEvent.LatentsView {
        @Override
        public long[] shape() {
            return dims.clone();
        }

        @Override
        public float get(int index) {
            return data[index];
        }

        @Override
        public float[] copy() {
            return data.clone();
        }
    }
}
