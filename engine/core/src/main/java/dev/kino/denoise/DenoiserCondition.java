package dev.kino.denoise;

import dev.kino.tensor.FloatTensor;

/**
 * What a denoiser takes besides the latents and the text: image conditioning (all null for text-to-video)
 * and the video's frame rate.
 *
 * @param channels        concatenated behind the latents at every step ({@code [1, mask + z, F, h, w]}:
 *                        Wan 2.1 I2V/FLF2V, 2.2 I2V-A14B)
 * @param firstFrame      the clean latent that replaces latent frame 0 of the model input, whose timestep
 *                        is then 0 ({@code [1, z, 1, h, w]}: Wan 2.2 TI2V-5B)
 * @param imageEmbeddings the image encoder's tokens ({@code [1, tokens, dim]}), the same for both guidance rows
 * @param frameRate       the video's fps, for denoisers whose graph takes it (LTX-Video scales its rotary time
 *                        axis by it); 0 when not given
 * @param control         Wan VACE: the control latents ({@code [1, 96, F, h, w]}), the same for both guidance rows
 * @param controlScale    Wan VACE: one scale per VACE layer ({@code conditioning_scale})
 */
public record DenoiserCondition(FloatTensor channels, FloatTensor firstFrame, FloatTensor imageEmbeddings,
                                double frameRate, FloatTensor control, float[] controlScale) {
    public static final DenoiserCondition NONE = new DenoiserCondition(null, null, null);

    /** Conditioning without VACE control. */
    public DenoiserCondition(FloatTensor channels, FloatTensor firstFrame, FloatTensor imageEmbeddings,
                             double frameRate) {
        this(channels, firstFrame, imageEmbeddings, frameRate, null, null);
    }

    /** Wan VACE's control latents and per-layer scales. */
    public static DenoiserCondition control(FloatTensor control, float[] scale) {
        return new DenoiserCondition(null, null, null, 0, control, scale);
    }

    /** Image conditioning without a frame rate. */
    public DenoiserCondition(FloatTensor channels, FloatTensor firstFrame, FloatTensor imageEmbeddings) {
        this(channels, firstFrame, imageEmbeddings, 0);
    }

    /** The same conditioning for a video of {@code fps} frames per second. */
    public DenoiserCondition withFrameRate(double fps) {
        return new DenoiserCondition(channels, firstFrame, imageEmbeddings, fps, control, controlScale);
    }

    /** Whether there is no image conditioning (the frame rate does not count). */
    public boolean isNone() {
        return channels == null && firstFrame == null && imageEmbeddings == null && control == null;
    }
}
