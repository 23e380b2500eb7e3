package dev.kino.sweep.quality;

/**
 * How far a run's final latents are from the reference's, before the VAE. The relative L2 distance
 * {@code ‖x − ref‖ / ‖ref‖} is scale-free (0 = identical; about 1.4 for two unrelated samples of the same
 * distribution); the RMSE is in latent units. Latent distance sees differences the VAE may hide or amplify,
 * and is only comparable between runs of the same model.
 */
public final class LatentDistance {
    private LatentDistance() {
    }

    /** {@code ‖x − ref‖₂ / ‖ref‖₂}; 0 when both are zero. */
    public static double relativeL2(float[] x, float[] reference) {
        check(x, reference);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - reference[i];
            diff += d * d;
            norm += (double) reference[i] * reference[i];
        }
        if (norm == 0) {
            return diff == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.sqrt(diff / norm);
    }

    /** Root mean square of {@code x − ref}. */
    public static double rmse(float[] x, float[] reference) {
        check(x, reference);
        double diff = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - reference[i];
            diff += d * d;
        }
        return Math.sqrt(diff / x.length);
    }

    private static void check(float[] x, float[] reference) {
        if (x.length != reference.length || x.length == 0) {
            throw new IllegalArgumentException("latents of " + x.length + " and " + reference.length + " values");
        }
    }
}
