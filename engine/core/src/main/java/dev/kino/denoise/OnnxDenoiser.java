package dev.kino.denoise;

import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.Port;
import dev.kino.runtime.TensorSlot;
import dev.kino.tensor.FloatTensor;
import dev.kino.text.TextEmbeddings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A denoiser that is one ONNX graph. With a dynamic batch axis, cond and uncond go through in ONE run of
 * batch 2 (uncond first, as diffusers concatenates them); with a fixed batch of 1, in two runs. Every
 * tensor is allocated once per generation and reused by every step.
 */
public final class OnnxDenoiser implements Denoiser {
    private final OnnxModel graph;
    private final Manifest.Denoiser spec;

    /**
     * @param graph the denoiser's ONNX session
     * @param spec  the manifest's description of its inputs and outputs
     */
    public OnnxDenoiser(OnnxModel graph, Manifest.Denoiser spec) {
        this.graph = graph;
        this.spec = spec;
    }

    @Override
    public Denoiser.Run begin(long[] latentShape, TextEmbeddings embeddings, float[] guidance) {
        List<FloatTensor> texts = new ArrayList<>();
        if (embeddings.hasUncond()) {
            texts.add(embeddings.uncond());
        }
        texts.add(embeddings.cond());
        int batch = spec.dynamicBatch() ? texts.size() : 1;
        int passes = texts.size() / batch;
        return new BoundRun(latentShape, texts, batch, passes, guidance[0]);
    }

    /** The tensors of one generation. {@code passes} runs of {@code batch} samples cover all prompts. */
    private final class BoundRun implements Denoiser.Run {
        private final int n;
        private final int batch;
        private final int prompts;
        private final float guidance;
        private final TensorSlot sample;
        private final TensorSlot timestep;
        private final TensorSlot[] text;
        private final TensorSlot output;
        private final float[] predictions;
        private final List<TensorSlot> all = new ArrayList<>();

        BoundRun(long[] latentShape, List<FloatTensor> texts, int batch, int passes, float guidance) {
            this.n = Math.toIntExact(FloatTensor.numel(latentShape));
            this.batch = batch;
            this.prompts = texts.size();
            this.guidance = guidance;
            long[] batched = latentShape.clone();
            batched[0] = batch;
            Port timestepPort = graph.inputs().get(spec.timestep());
            sample = track(graph.slot(graph.inputs().get(spec.sample()), batched));
            timestep = track(graph.slot(timestepPort, timestepPort.rank() == 0 ? new long[0] : new long[] {batch}));
            output = track(graph.slot(graph.outputs().get(spec.output()), batched));
            text = new TensorSlot[passes];
            FloatTensor first = texts.get(0);
            for (int p = 0; p < passes; p++) {
                long[] textShape = {batch, first.dim(1), first.dim(2)};
                text[p] = track(graph.slot(graph.inputs().get(spec.textEmbeddings()), textShape));
                for (int b = 0; b < batch; b++) {
                    float[] emb = texts.get(p * batch + b).data();
                    text[p].put(emb, 0, b * emb.length, emb.length);
                }
            }
            predictions = new float[n * prompts];
        }

        private TensorSlot track(TensorSlot slot) {
            all.add(slot);
            return slot;
        }

        @Override
        public void predict(float[] modelInput, double t, float[] out) {
            for (int b = 0; b < batch; b++) {
                sample.put(modelInput, 0, b * n, n);
            }
            timestep.fill(t * spec.timestepScale());
            for (int p = 0; p < text.length; p++) {
                graph.run(Map.of(spec.sample(), sample.tensor(), spec.timestep(), timestep.tensor(),
                        spec.textEmbeddings(), text[p].tensor()), Map.of(spec.output(), output.tensor()));
                output.get(0, predictions, p * batch * n, batch * n);
            }
            if (prompts == 2) {
                Guidance.combine(predictions, n, guidance, out);
            } else {
                System.arraycopy(predictions, 0, out, 0, n);
            }
        }

        @Override
        public void close() {
            all.forEach(TensorSlot::close);
        }
    }
}
