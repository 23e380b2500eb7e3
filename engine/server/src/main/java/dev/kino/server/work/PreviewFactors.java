package dev.kino.server.work;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.model.ManifestReader;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model's latents-to-RGB projection for live previews: {@code rgb[k] = bias[k] + Σ_c latent[c] · factors[c][k]},
 * in the VAE's [-1, 1] pixel range, from the manifest's optional {@code preview} key
 * ({@code latent_rgb_factors}: one [r, g, b] row per latent channel, {@code latent_rgb_bias}: [r, g, b]), fitted
 * by least squares against the model's own VAE ({@code models/fit_preview_factors.py}).
 *
 * @param factors {@code [channels][3]}
 * @param bias    {@code [3]}
 */
public record PreviewFactors(float[][] factors, float[] bias) {

    /** The model's factors, or null when its manifest has none (or they do not fit its latent channels). */
    public static PreviewFactors read(Path modelFolder) {
        try {
            JsonNode root = ModelCatalog.tree(modelFolder.resolve(ManifestReader.FILE_NAME));
            JsonNode p = root.path("preview");
            JsonNode f = p.path("latent_rgb_factors");
            JsonNode b = p.path("latent_rgb_bias");
            int channels = root.path("latent").path("channels").asInt();
            if (!f.isArray() || f.size() != channels || !b.isArray() || b.size() != 3) {
                return null;
            }
            float[][] factors = new float[channels][3];
            for (int c = 0; c < channels; c++) {
                if (f.get(c).size() != 3) {
                    return null;
                }
                for (int k = 0; k < 3; k++) {
                    factors[c][k] = (float) f.get(c).get(k).asDouble();
                }
            }
            float[] bias = new float[3];
            for (int k = 0; k < 3; k++) {
                bias[k] = (float) b.get(k).asDouble();
            }
            return new PreviewFactors(factors, bias);
        } catch (IOException e) {
            return null; // the manifest was read before; a preview is never worth failing a job
        }
    }
}
