package dev.kino.denoise;

import dev.kino.text.TextEmbeddings;

/**
 * The spatiotemporal network (3D UNet or video DiT) that predicts, from noisy latents, a timestep and the
 * text embeddings, what the scheduler needs (noise, velocity or flow). Implementations differ in how the
 * graph is fed: one graph with a dynamic or fixed batch axis, or several expert graphs switched by timestep.
 */
public interface Denoiser {

    /**
     * Binds a generation's latent shape, text embeddings and guidance scales, allocating the tensors its
     * steps reuse. Guidance is applied when {@code embeddings} carries an uncond part, with
     * {@code guidance[i]} for expert i (one value per expert graph; a plain denoiser has one).
     */
    Run begin(long[] latentShape, TextEmbeddings embeddings, float[] guidance);

    /** {@link #begin(long[], TextEmbeddings, float[])} for an image-conditioned generation. */
    default Run begin(long[] latentShape, TextEmbeddings embeddings, float[] guidance, DenoiserCondition condition) {
        if (!condition.isNone()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " takes no image conditioning");
        }
        return begin(latentShape, embeddings, guidance);
    }

    /** One generation's worth of bound, reusable buffers; close it to free their native memory. */
    interface Run extends AutoCloseable {

        /**
         * Evaluates the network at {@code timestep} on {@code modelInput} and writes the guided prediction
         * ({@code uncond + g * (cond - uncond)}, or the cond prediction alone without guidance) into {@code out}.
         */
        void predict(float[] modelInput, double timestep, float[] out);

        @Override
        void close();
    }
}
