package dev.kino.cli;

import dev.kino.model.Manifest;
import dev.kino.model.Manifest.Conditioning.Need;


/** Says in words which pictures a model takes ({@code kino info}). */
final class Fits {
    private Fits() {
    }

    static String describe(Manifest m) {
        Manifest.Conditioning c = m.conditioning();
        if (c == null) {
            return "none (text to video only)";
        }
        StringBuilder sb = new StringBuilder("first frame ").append(need(c.image()))
                .append(" (--image or --continue-from), last frame ").append(need(c.lastImage()));
        if (c.lastImage() != Need.UNSUPPORTED) {
            sb.append(" (--last-image)");
        }
        sb.append(c.mode() == Manifest.Conditioning.Mode.CONCAT
                ? "; picture latents + " + c.maskChannels() + " mask channels beside the noise"
                : "; the picture's latent is the first latent frame (timestep 0)");
        if (c.mode() == Manifest.Conditioning.Mode.CONCAT && c.image() == Need.OPTIONAL) {
            sb.append(" (all zeros without a picture)");
        }
        sb.append(c.encode() == Manifest.Conditioning.Encode.FIRST_PICTURE ? "; VAE encoder on the picture alone"
                : c.vaeEncoder().kind() == Manifest.VaeKind.CAUSAL
                ? "; causal VAE encoder in steps" : "; VAE encoder on the whole clip");
        if (c.imageEncoder() != null) {
            sb.append("; image encoder, ").append(c.imageEncoder().images()).append(" x ")
                    .append(c.imageEncoder().tokens()).append(" tokens");
        }
        return sb.append("; resized with ").append(c.resize()).toString();
    }

    private static String need(Need n) {
        return switch (n) {
            case REQUIRED -> "required";
            case OPTIONAL -> "optional";
            case UNSUPPORTED -> "not taken";
        };
    }
}
