package dev.kino.text;

import ai.onnxruntime.OnnxTensor;
import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.TensorSlot;
import dev.kino.tensor.FloatTensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Runs a text encoder graph on token ids. With a dynamic batch axis the prompt and negative prompt are
 * encoded in one run; otherwise one run each. A templated encoder's first {@code crop_start} positions (the
 * template's head) are cut from the embeddings and the masks.
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
        return encode(cond, uncond, uncond != null);
    }

    /**
     * Encodes the prompt and, when {@code guided}, the negative prompt; null tokens stand for a text a quoting
     * encoder found nothing in (all-zero embeddings and mask, no graph run).
     */
    public TextEmbeddings encode(Tokens cond, Tokens uncond, boolean guided) {
        if (!guided) {
            return new TextEmbeddings(one(cond), null, mask(cond), null);
        }
        if (spec.dynamicBatch() && cond != null && uncond != null) {
            FloatTensor[] both = encodeBatch(new Tokens[] {cond, uncond});
            return new TextEmbeddings(both[0], both[1], mask(cond), mask(uncond));
        }
        return new TextEmbeddings(one(cond), one(uncond), mask(cond), mask(uncond));
    }

    /** One prompt's embeddings; null tokens (a quoting encoder's prompt without quotes) give zeros. */
    private FloatTensor one(Tokens tokens) {
        if (tokens == null) {
            long width = graph.outputs().get(spec.output()).shape()[2];
            if (width < 1) {
                throw new IllegalStateException(graph.role() + " output " + spec.output()
                        + " has no fixed width, so Kino cannot make its all-zero embeddings");
            }
            return new FloatTensor(new long[] {1, spec.maxLength(), width}, new float[Math.toIntExact(spec.maxLength() * width)]);
        }
        return encodeBatch(new Tokens[] {tokens})[0];
    }

    /** The attention mask past the template's head; all zeros for null tokens. */
    private long[] mask(Tokens tokens) {
        if (tokens == null) {
            return new long[spec.maxLength()];
        }
        long[] m = tokens.attentionMask();
        return spec.cropStart() == 0 ? m : java.util.Arrays.copyOfRange(m, spec.cropStart(), m.length);
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
        int all = hidden.dim(1);
        int crop = spec.cropStart();
        int length = all - crop;
        int width = hidden.dim(2);
        FloatTensor[] out = new FloatTensor[batch.length];
        for (int b = 0; b < batch.length; b++) {
            float[] row = new float[length * width];
            System.arraycopy(hidden.data(), (b * all + crop) * width, row, 0, row.length);
            if (spec.zeroPadding()) {
                // Wan's rule: positions past the prompt's real length are zeros, not the encoder's output.
                java.util.Arrays.fill(row, Math.max(0, Math.min(batch[b].length() - crop, length)) * width, row.length, 0f);
            }
            out[b] = new FloatTensor(new long[] {1, length, width}, row);
        }
        return out;
    }
}
