package dev.kino.condition;

import dev.kino.image.Fit;
import dev.kino.image.ImagePreprocessing;
import dev.kino.image.PilResize.Filter;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.tensor.FloatTensor;

import java.util.List;

/**
 * A source video's clean latents, as diffusers' {@code WanVideoToVideoPipeline.prepare_latents} makes them: every
 * frame through {@code VideoProcessor.preprocess_video} (PIL resize to the video size, {@code 2 * x / 255 - 1}),
 * the clip through the VAE encoder (the posterior's mode), normalised per channel with the VAE's
 * {@code latents_mean}/{@code latents_std}. The noising to the first step's level is the scheduler's
 * ({@link dev.kino.schedule.Scheduler#addNoise}).
 */
public final class SourceLatents {
    private SourceLatents() {
    }

    /** @return {@code [1, z, latent frames, height / s, width / s]} */
    public static FloatTensor encode(Manifest m, VaeEncoder encoder, List<RgbImage> frames, int width, int height,
                                     Fit fit) {
        int plane = width * height;
        int n = frames.size();
        float[] video = new float[3 * n * plane];
        for (int f = 0; f < n; f++) {
            float[] px = ImagePreprocessing.vaeInput(frames.get(f), width, height, fit, Filter.LANCZOS);
            for (int c = 0; c < 3; c++) {
                System.arraycopy(px, c * plane, video, (c * n + f) * plane, plane);
            }
        }
        return ImageCondition.normalise(encoder.encode(video, n, height, width), m.vae());
    }
}
