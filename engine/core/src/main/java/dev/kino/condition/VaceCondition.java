package dev.kino.condition;

import dev.kino.image.Fit;
import dev.kino.image.ImagePreprocessing;
import dev.kino.image.PilResize.Filter;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.tensor.FloatTensor;

import java.util.List;

/**
 * Wan VACE's control latents, as diffusers' {@code WanVACEPipeline} builds them ({@code preprocess_conditions},
 * {@code prepare_video_latents}, {@code prepare_masks}):
 * <ol>
 *   <li>the control video at the video size ({@code 2x/255 - 1}; none: zeros), the mask video likewise then
 *       {@code clamp((m + 1) / 2, 0, 1)} (none: ones), thresholded at 0.5;</li>
 *   <li>{@code inactive = video * (1 - mask)} and {@code reactive = video * mask}, each through the VAE encoder
 *       and normalised: 32 channels;</li>
 *   <li>each reference picture scaled (torch bilinear) to fit the video size, centred on a white canvas, encoded
 *       as a one-frame video, normalised, given 16 zero channels and prepended as a latent frame (so the last
 *       picture ends up first, as diffusers concatenates them);</li>
 *   <li>the mask's first channel folded 8x8 into 64 channels per latent cell, resampled to the latent frames
 *       (nearest-exact), zero frames in front for the pictures: 64 channels behind the 32.</li>
 * </ol>
 */
public final class VaceCondition {
    private VaceCondition() {
    }

    /**
     * @param control control (or source) video frames, or null; as many as {@code frames}
     * @param mask    mask video frames (white: generate, black: keep), or null
     * @return {@code [1, 96, refs + latent frames, h, w]}
     */
    public static FloatTensor build(Manifest m, VaeEncoder encoder, List<RgbImage> references, List<RgbImage> control,
                                    List<RgbImage> mask, int frames, int width, int height, Fit fit) {
        int plane = width * height;
        float[] video = control == null ? new float[3 * frames * plane] : frames(control, width, height, fit);
        float[] maskPx = new float[3 * frames * plane];
        if (mask == null) {
            java.util.Arrays.fill(maskPx, 1f);
        } else {
            float[] raw = frames(mask, width, height, fit);
            for (int i = 0; i < raw.length; i++) {
                maskPx[i] = Math.min(Math.max((raw[i] + 1f) / 2f, 0f), 1f);
            }
        }
        float[] inactive = new float[video.length];
        float[] reactive = new float[video.length];
        for (int i = 0; i < video.length; i++) {
            float binary = maskPx[i] > 0.5f ? 1f : 0f;
            inactive[i] = video[i] * (1f - binary);
            reactive[i] = video[i] * binary;
        }
        FloatTensor in = ImageCondition.normalise(encoder.encode(inactive, frames, height, width), m.vae());
        FloatTensor re = ImageCondition.normalise(encoder.encode(reactive, frames, height, width), m.vae());
        int z = in.dim(1);
        int lf = in.dim(2);
        int lh = in.dim(3);
        int lw = in.dim(4);
        int lplane = lh * lw;
        int cell = m.latent().spatialCompression();
        int refs = references.size();
        int tf = refs + lf;
        float[] out = new float[(2 * z + cell * cell) * tf * lplane];
        for (int c = 0; c < z; c++) {
            System.arraycopy(in.data(), c * lf * lplane, out, (c * tf + refs) * lplane, lf * lplane);
            System.arraycopy(re.data(), c * lf * lplane, out, ((z + c) * tf + refs) * lplane, lf * lplane);
        }
        for (int r = 0; r < refs; r++) {       // picture r lands at frame refs - 1 - r
            float[] canvas = referenceCanvas(references.get(r), width, height);
            FloatTensor lat = ImageCondition.normalise(encoder.encode(canvas, 1, height, width), m.vae());
            for (int c = 0; c < z; c++) {
                System.arraycopy(lat.data(), c * lplane, out, (c * tf + refs - 1 - r) * lplane, lplane);
            }
        }
        // the mask: channel 0, [F, lh*8, lw*8] -> [64 (dy*8+dx), latent frame, lh, lw], nearest-exact in time
        float scale = (float) frames / lf;
        for (int f = 0; f < lf; f++) {
            int src = Math.min((int) Math.floor((f + 0.5f) * scale), frames - 1);
            for (int dy = 0; dy < cell; dy++) {
                for (int dx = 0; dx < cell; dx++) {
                    int ch = 2 * z + dy * cell + dx;
                    for (int y = 0; y < lh; y++) {
                        for (int x = 0; x < lw; x++) {
                            float v = maskPx[src * plane + (y * cell + dy) * width + x * cell + dx] > 0.5f ? 1f : 0f;
                            out[((ch * tf) + refs + f) * lplane + y * lw + x] = mask == null ? 1f : v;
                        }
                    }
                }
            }
        }
        return new FloatTensor(new long[] {1, 2 * z + cell * cell, tf, lh, lw}, out);
    }

    /** Frames at the video size, {@code [3, F, H, W]} in [-1, 1]. */
    private static float[] frames(List<RgbImage> images, int width, int height, Fit fit) {
        int plane = width * height;
        int n = images.size();
        float[] out = new float[3 * n * plane];
        for (int f = 0; f < n; f++) {
            float[] px = ImagePreprocessing.vaeInput(images.get(f), width, height, fit, Filter.LANCZOS);
            for (int c = 0; c < 3; c++) {
                System.arraycopy(px, c * plane, out, (c * n + f) * plane, plane);
            }
        }
        return out;
    }

    /**
     * A reference picture as the pipeline places it: at its own size cut to multiples of 8 (PIL Lanczos, as
     * {@code VideoProcessor.preprocess(image, None, None)}), scaled by torch's bilinear interpolation to fit
     * the video size, centred on white ({@code 1.0}); {@code [3, H, W]}.
     */
    static float[] referenceCanvas(RgbImage image, int width, int height) {
        int iw = image.width() - image.width() % 8;
        int ih = image.height() - image.height() % 8;
        float[] px = ImagePreprocessing.vaeInput(image, iw, ih, Fit.STRETCH, Filter.LANCZOS);
        double scale = Math.min((double) height / ih, (double) width / iw);
        int nh = (int) (ih * scale);
        int nw = (int) (iw * scale);
        float[] sized = TorchBilinear.resize(px, 3, ih, iw, nh, nw);
        int top = (height - nh) / 2;
        int left = (width - nw) / 2;
        float[] canvas = new float[3 * width * height];
        java.util.Arrays.fill(canvas, 1f);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < nh; y++) {
                System.arraycopy(sized, (c * nh + y) * nw, canvas, (c * height + top + y) * width + left, nw);
            }
        }
        return canvas;
    }
}
