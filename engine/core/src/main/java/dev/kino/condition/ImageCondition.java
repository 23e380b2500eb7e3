package dev.kino.condition;

import dev.kino.image.Fit;
import dev.kino.image.ImagePreprocessing;
import dev.kino.image.PilResize.Filter;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.model.Manifest.Conditioning.Encode;
import dev.kino.model.Manifest.Conditioning.Layout;
import dev.kino.model.Manifest.Conditioning.Mode;
import dev.kino.tensor.FloatTensor;

/**
 * The latents an image model is conditioned on, as diffusers' {@code WanImageToVideoPipeline.prepare_latents}
 * builds them:
 * <ul>
 *   <li>{@link Mode#CONCAT}: the video {@code [first, zeros..., (last)]} encoded, normalised per channel, behind
 *       the mask channels: {@code [1, 4 + z, F, h, w]}, concatenated to the noise at every step;</li>
 *   <li>{@link Mode#EXPAND_TIMESTEPS}: the first picture alone encoded and normalised, {@code [1, z, 1, h, w]};
 *       it replaces latent frame 0 at every step and at the end.</li>
 * </ul>
 * Mask, one channel per video frame a latent frame holds (t = the temporal compression): for a causal VAE
 * (Wan) channel c of latent frame f stands for video frame {@code t·f + c - (t - 1)} (frame 0 counted t times),
 * so latent frame 0 is all ones; for a non-causal one (the demo model) it stands for video frame
 * {@code t·f + c}, so only channel 0 of latent frame 0 is one. A last picture sets only the last channel of
 * the last latent frame. HunyuanVideo 1.5 ({@code layout: latents_mask}, {@code encode: first_picture}): the
 * first picture alone encoded and scaled into latent frame 0 of {@code [z + 1, F, h, w]}, later frames zero, then
 * one mask channel that is one on latent frame 0.
 */
public final class ImageCondition {
    private ImageCondition() {
    }

    /** The pictures at the video's size, {@code [3, H, W]} each in [-1, 1]. */
    public static float[] pixels(RgbImage image, int width, int height, Fit fit, Manifest.Conditioning spec) {
        return ImagePreprocessing.vaeInput(image, width, height, fit, Filter.named(spec.resize()));
    }

    public static FloatTensor build(Manifest m, VaeEncoder encoder, float[] first, float[] last, int frames,
                                    int width, int height) {
        Manifest.Conditioning spec = m.conditioning();
        boolean alone = spec.mode() == Mode.EXPAND_TIMESTEPS || spec.encode() == Encode.FIRST_PICTURE;
        int plane = width * height;
        int videoFrames = alone ? 1 : frames;
        float[] video = new float[3 * videoFrames * plane];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(first, c * plane, video, c * videoFrames * plane, plane);
            if (last != null && !alone) {
                System.arraycopy(last, c * plane, video, (c * videoFrames + videoFrames - 1) * plane, plane);
            }
        }
        FloatTensor latents = normalise(encoder.encode(video, videoFrames, height, width), m.vae());
        if (spec.mode() == Mode.EXPAND_TIMESTEPS) {
            return latents;
        }
        int z = latents.dim(1);
        int encoded = latents.dim(2);
        int lf = alone ? m.latent().latentFrames(frames) : encoded;
        int lplane = latents.dim(3) * latents.dim(4);
        int mask = spec.maskChannels();
        boolean maskFirst = spec.layout() == Layout.MASK_LATENTS;
        int maskAt = maskFirst ? 0 : z;
        int latentsAt = maskFirst ? mask : 0;
        float[] out = new float[(mask + z) * lf * lplane];
        for (int c = maskAt; c < maskAt + (m.latent().causal() ? mask : 1); c++) {
            java.util.Arrays.fill(out, (c * lf) * lplane, (c * lf + 1) * lplane, 1f);
        }
        if (last != null) {
            int c = maskAt + mask - 1;
            java.util.Arrays.fill(out, (c * lf + lf - 1) * lplane, (c * lf + lf) * lplane, 1f);
        }
        // the encoded frames lead each channel; a first picture encoded alone leaves the later frames zero
        for (int c = 0; c < z; c++) {
            System.arraycopy(latents.data(), c * encoded * lplane, out, (latentsAt + c) * lf * lplane,
                    encoded * lplane);
        }
        return new FloatTensor(new long[] {1, mask + z, lf, latents.dim(3), latents.dim(4)}, out);
    }

    /**
     * The condition of a {@code concat} model given no picture (its image optional): all-zero channels, mask
     * and latents, {@code [1, mask + z, F, h, w]} for latents of {@code shape}; what such a model is trained on.
     */
    public static FloatTensor none(Manifest m, long[] shape) {
        long[] s = shape.clone();
        s[0] = 1;
        s[1] += m.conditioning().maskChannels();
        return new FloatTensor(s, new float[Math.toIntExact(FloatTensor.numel(s))]);
    }

    /**
     * {@code (latent - mean[c]) * (1 / std[c])} in float32, the pipeline's own arithmetic (Wan); without
     * per-channel statistics {@code (latent - shift) * scaling} (HunyuanVideo 1.5: {@code latents * scaling}).
     */
    static FloatTensor normalise(FloatTensor latents, Manifest.Vae vae) {
        float[] d = latents.data();
        int z = latents.dim(1);
        int per = d.length / z;
        if (vae.latentsMean() == null) {
            float shift = (float) vae.shiftFactor();
            float scaling = (float) vae.scalingFactor();
            for (int i = 0; i < d.length; i++) {
                d[i] = (d[i] - shift) * scaling;
            }
            return latents;
        }
        for (int c = 0; c < z; c++) {
            float mean = vae.latentsMean()[c];
            float inv = 1.0f / vae.latentsStd()[c];
            for (int i = c * per; i < (c + 1) * per; i++) {
                d[i] = (d[i] - mean) * inv;
            }
        }
        return latents;
    }
}
