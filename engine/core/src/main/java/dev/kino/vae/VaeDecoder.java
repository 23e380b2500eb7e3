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

    /**
     * Decodes with noise planes the graph adds inside ({@link DecodeNoise#injected}), by input name; only a
     * whole-clip decoder takes them.
     */
    default VideoFrames decode(FloatTensor latents, java.util.Map<String, FloatTensor> injectedNoise) {
        if (!injectedNoise.isEmpty()) {
            throw new dev.kino.KinoException("This VAE decoder kind cannot take injected noise planes "
                    + injectedNoise.keySet() + "; vae.injected_noise needs kind 3d in kino.json.");
        }
        return decode(latents);
    }
}
