package dev.kino.denoise;

import java.time.Duration;

/**
 * What the denoising loop reports after each step: enough to draw a progress bar, preview the latents or
 * decide to stop.
 *
 * @param step     index of the step just finished, from 0
 * @param steps    total steps of the run
 * @param timestep the timestep the denoiser was conditioned on at this step
 * @param latents  a read-only view of the latents after this step, {@code [B, C, F, H, W]}
 * @param stepTime wall time of this step (denoiser plus scheduler)
 * @param elapsed  wall time since the loop started
 */
public record StepEvent(int step, int steps, double timestep, LatentsView latents, Duration stepTime,
                        Duration elapsed) {

    /** Read-only access to the loop's latents without copying them. */
    public interface LatentsView {
        /** The latents' shape, {@code [B, C, F, H, W]}. */
        long[] shape();

        /** The latent at a flat row-major index. */
        float get(int index);

        /** A copy of the latents, for previews. */
        float[] copy();
    }
}
