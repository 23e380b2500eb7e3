package dev.kino.denoise;

import dev.kino.text.TextEmbeddings;

import java.util.List;

/**
 * A mixture of denoiser graphs switched by timestep (Wan 2.2 A14B: a high-noise and a low-noise expert).
 * Expert i serves timesteps {@code t >= boundaries[i]} not claimed by an earlier one, as diffusers'
 * WanPipeline does with {@code boundary_ratio × num_train_timesteps}; each has its own guidance scale.
 */
public final class ExpertDenoiser implements Denoiser {
    private final List<Denoiser> experts;
    private final double[] boundaries;

    /**
     * @param experts    one denoiser per expert, from high noise to low noise
     * @param boundaries the smallest timestep each expert serves (descending; the last is 0)
     */
    public ExpertDenoiser(List<Denoiser> experts, double[] boundaries) {
        if (experts.size() != boundaries.length) {
            throw new IllegalArgumentException(experts.size() + " experts but " + boundaries.length + " boundaries");
        }
        this.experts = List.copyOf(experts);
        this.boundaries = boundaries.clone();
    }

    /** Index of the expert that serves {@code timestep}. */
    private int expertFor(double timestep) {
        for (int i = 0; i < boundaries.length - 1; i++) {
            if (timestep >= boundaries[i]) {
                return i;
            }
        }
        return boundaries.length - 1;
    }

    @Override
    public Run begin(long[] latentShape, TextEmbeddings embeddings, float[] guidance) {
        return begin(latentShape, embeddings, guidance, DenoiserCondition.NONE);
    }

    /**
     * Each expert's run begins when the loop first reaches a timestep it serves, and the previous expert's run is
     * closed first: with {@code ResidentExpert}s that is what lets one expert's session close at the boundary
     * step before the next one opens. Timesteps descend, so each expert begins once per generation.
     */
    @Override
    public Run begin(long[] latentShape, TextEmbeddings embeddings, float[] guidance, DenoiserCondition condition) {
        return new Run() {
            private int current = -1;
            private Run run;

            @Override
            public void predict(float[] modelInput, double timestep, float[] out) {
                int i = expertFor(timestep);
                if (i != current) {
                    close();
                    run = experts.get(i).begin(latentShape, embeddings, new float[] {guidance[i]}, condition);
                    current = i;
                }
                run.predict(modelInput, timestep, out);
            }

            @Override
            public void close() {
                if (run != null) {
                    Run r = run;
                    run = null;
                    current = -1;
                    r.close();
                }
            }
        };
    }
}
