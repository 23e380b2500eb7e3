package dev.kino.text;

import ai.onnxruntime.OnnxTensor;
import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.TensorSlot;
import dev.kino.tensor.FloatTensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Runs the text encoder graph on token ids. With a dynamic batch axis the prompt and negative prompt are
 * encoded in one run; otherwise one run each.
 */
public final class TextEncoder {
    private final OnnxModel graph;
    private final Manifest.TextEncoder spec;

    public TextEncoder(OnnxModel graph, Manifest.TextEncoder spec) {
        this.graph = graph;
        this.spec = spec;
    }

    /** Encodes {@code cond} and, when not null, {@code uncond} (both the same token length). */
    public TextEmbeddings encode(Tokens cond, Tokens uncond) {
        if (uncond == null) {
            return new TextEmbeddings(encodeBatch(new Tokens[] {cond})[0], null, cond.attentionMask(), null);
        }
        if (spec.dynamicBatch()) {
            FloatTensor[] both = encodeBatch(new Tokens[] {cond, uncond});
            return new TextEmbeddings(both[0], both[1], cond.attentionMask(), uncond.attentionMask());
        }
        return new TextEmbeddings(encodeBatch(new Tokens[] {cond})[0], encodeBatch(new Tokens[] {uncond})[0],
                cond.attentionMask(), uncond.attentionMask());
    }

    private FloatTensor[] encodeBatch(Tokens[] batch) {
        int length = batch[0].ids().length;
        long[] shape = {batch.length, length};
        try (TensorSlot ids = graph.slot(graph.inputs().get(spec.inputIds()), shape);
             TensorSlot mask = spec.attentionMask() == null ? null
                     : graph.slot(graph.inputs().get(spec.attentionMask()), shape)) {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            for (int b = 0; b < batch.length; b++) {
                ids.put(batch[b].ids(), b * length);
                if (mask != null) {
                    mask.put(batch[b].attentionMask(), b * length);
                }
            }
            inputs.put(spec.inputIds(), ids.tensor());
            if (mask != null) {
                inputs.put(spec.attentionMask(), mask.tensor());
            }
            FloatTensor hidden = graph.runForOutput(inputs, spec.output());
            return split(hidden, batch);
        }
    }

    /** Splits {@code [B, L, D]} into B tensors of {@code [1, L, D]}, zeroing padding rows where the model wants it. */
    private FloatTensor[] split(FloatTensor hidden, Tokens[] batch) {
        int length = hidden.dim(1);
        int width = hidden.dim(2);
        FloatTensor[] out = new FloatTensor[batch.length];
        for (int b = 0; b < batch.length; b++) {
            float[] row = new float[length * width];
            System.arraycopy(hidden.data(), b * length * width, row, 0, row.length);
            if (spec.zeroPadding()) {
                // Wan's rule: positions past the prompt's real length are zeros, not the encoder's output.
                java.util.Arrays.fill(row, Math.min(batch[b].length(), length) * width, row.length, 0f);
            }
            out[b] = new FloatTensor(new long[] {1, length, width}, row);
        }
        return out;
    }
}
