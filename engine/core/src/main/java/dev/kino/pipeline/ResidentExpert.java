package dev.kino.pipeline;

import dev.kino.denoise.Denoiser;
import dev.kino.denoise.DenoiserCondition;
import dev.kino.denoise.OnnxDenoiser;
import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.text.TextEmbeddings;

import java.util.List;
import java.util.function.IntFunction;

/**
 * One expert of a mixture whose session lives in an {@link ExpertSlot}: a run acquires it (opening it, after
 * closing whatever expert was resident) and gives it back when it closes. {@code caused} collects the closes and
 * opens of the one generation this mixture was made for.
 */
record ResidentExpert(ExpertSlot slot, List<String> loraKey, int expert, IntFunction<OnnxModel> open,
                      Manifest.Denoiser spec, List<String> caused) implements Denoiser {
    @Override
    public Run begin(long[] latentShape, TextEmbeddings embeddings, float[] guidance) {
        return begin(latentShape, embeddings, guidance, DenoiserCondition.NONE);
    }

    @Override
    public Run begin(long[] latentShape, TextEmbeddings embeddings, float[] guidance, DenoiserCondition condition) {
        OnnxModel graph = slot.acquire(loraKey, expert, open, caused);
        Run run;
        try {
            run = new OnnxDenoiser(graph, spec).begin(latentShape, embeddings, guidance, condition);
        } catch (RuntimeException e) {
            slot.release();
            throw e;
        }
        return new Run() {
            private boolean closed;

            @Override
            public void predict(float[] modelInput, double timestep, float[] out) {
                run.predict(modelInput, timestep, out);
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    try {
                        run.close();
                    } finally {
                        slot.release();
                    }
                }
            }
        };
    }
}
