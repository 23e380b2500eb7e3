package dev.kino.schedule;

/**
 * diffusers' {@code convert_model_output} in data-prediction form (DPM-Solver++ and UniPC with
 * {@code predict_x0}): turns the denoiser's output at step i into a prediction of the clean sample x0.
 */
final class DataPrediction {
    private DataPrediction() {
    }

    /** Converts elements {@code [from, to)}. */
    static void convert(PredictionType type, MultistepSigmas plan, int i, float[] modelOutput, float[] sample,
                        float[] x0, int from, int to) {
        switch (type) {
            case EPSILON -> {
                float alpha = plan.alpha(i);
                float sigma = plan.sigmaT(i);
                for (int k = from; k < to; k++) {
                    x0[k] = (sample[k] - sigma * modelOutput[k]) / alpha;
                }
            }
            case V_PREDICTION -> {
                float alpha = plan.alpha(i);
                float sigma = plan.sigmaT(i);
                for (int k = from; k < to; k++) {
                    x0[k] = alpha * sample[k] - sigma * modelOutput[k];
                }
            }
            case FLOW -> {
                // velocity = noise - x0 and x = (1 - sigma) x0 + sigma noise, so x0 = x - sigma * velocity.
                float sigma = plan.sigmas[i];
                for (int k = from; k < to; k++) {
                    x0[k] = sample[k] - sigma * modelOutput[k];
                }
            }
            case SAMPLE -> System.arraycopy(modelOutput, from, x0, from, to - from);
            default -> throw new IllegalStateException(type.toString());
        }
    }
}
