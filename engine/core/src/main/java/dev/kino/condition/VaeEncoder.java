package dev.kino.condition;

import dev.kino.model.Manifest;
import dev.kino.model.ModelGraphs;
import dev.kino.tensor.FloatTensor;

/**
 * A VAE encoder: a conditioning video in, its latents (the posterior's mode, not yet normalised) out. Wan's
 * is causal and walked in steps with caches ({@link CausalVaeEncoder}); the demo model's takes the whole clip
 * in one run ({@link WholeClipVaeEncoder}).
 */
public interface VaeEncoder {
    /**
     * @param video {@code [3, frames, height, width]} pixels in [-1, 1], frames as the model's frame rule allows
     * @return latents {@code [1, z, latent frames, height / s, width / s]}
     */
    FloatTensor encode(float[] video, int frames, int height, int width);

    /** The encoder the manifest describes, on the package's open graphs. */
    static VaeEncoder of(Manifest.VaeEncoder spec, ModelGraphs graphs) {
        return spec.kind() == Manifest.VaeKind.CAUSAL
                ? new CausalVaeEncoder(graphs.vaeEncoder(), graphs.vaeEncoderNext(), spec)
                : new WholeClipVaeEncoder(graphs.vaeEncoder(), spec);
    }
}
