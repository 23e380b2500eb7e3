package dev.kino.schedule;

/**
 * The golden files' fake denoiser: {@code 0.3*x + 0.05*cos(t/100) - 0.02*x*x}, evaluated in float64 in the
 * README's order and rounded to float32, so a scheduler can be run without a network.
 */
final class FakeModel {
    private FakeModel() {
    }

    static void apply(float[] modelInput, double timestep, float[] out) {
        double c = 0.05 * StrictMath.cos(timestep / 100.0);
        for (int k = 0; k < modelInput.length; k++) {
            double x = modelInput[k];
            out[k] = (float) (((0.3 * x) + c) - ((0.02 * x) * x));
        }
    }

    /** The golden files' initial latents: {@code (float) sin(0.37*i + 0.1)}. */
    static float[] initialLatents(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) StrictMath.sin(0.37 * i + 0.1);
        }
        return x;
    }
}
