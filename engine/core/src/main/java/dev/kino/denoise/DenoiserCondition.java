package dev.kino.denoise;

import dev.kino.tensor.FloatTensor;

/**
 * What an image-to-video denoiser takes besides the latents and the text (all null for text-to-video).
 *
 * @param channels        concatenated behind the latents at every step ({@code [1, mask + z, F, h, w]}:
 *                        Wan 2.1 I2V/FLF2V, 2.2 I2V-A14B)
 * @param firstFrame      the clean latent that replaces latent frame 0 of the model input, whose timestep
 *                        is then 0 ({@code [1, z, 1, h, w]}: Wan 2.2 TI2V-5B)
 * @param imageEmbeddings the image encoder's tokens ({@code [1, tokens, dim]}), the same for both guidance rows
 */
public record DenoiserCondition(FloatTensor channels, FloatTensor firstFrame, FloatTensor imageEmbeddings) {
    public static final DenoiserCondition NONE = new DenoiserCondition(null, null, null);

    public boolean isNone() {
        return channels == null && firstFrame == null && imageEmbeddings == null;
    }
}
