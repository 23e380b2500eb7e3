package dev.kino.vae;

import dev.kino.tensor.FloatTensor;
import dev.kino.video.VideoFrames;

/**
 * Decodes denormalised latents {@code [1, C, F, h, w]} into RGB frames. Implementations differ in how the
 * graph consumes the clip: frame by frame folded into the batch (image VAEs), or the whole clip (video VAEs).
 */
public interface VaeDecoder {

    /** Video frames the decoder makes from {@code latentFrames} latent frames. */
    int frames(int latentFrames);

    VideoFrames decode(FloatTensor latents);
}
