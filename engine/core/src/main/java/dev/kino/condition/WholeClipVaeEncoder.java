package dev.kino.condition;

import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.TensorSlot;
import dev.kino.tensor.FloatTensor;

import java.util.Map;

/**
 * A non-causal VAE encoder run once on the whole clip ({@code vae_encoder.kind = "3d"}): the demo model's,
 * which folds each pair of consecutive video frames into one latent frame independently of the others.
 */
public final class WholeClipVaeEncoder implements VaeEncoder {
    private final OnnxModel graph;
    private final Manifest.VaeEncoder spec;

    public WholeClipVaeEncoder(OnnxModel graph, Manifest.VaeEncoder spec) {
        this.graph = graph;
        this.spec = spec;
    }

    @Override
    public FloatTensor encode(float[] video, int frames, int height, int width) {
        try (TensorSlot in = graph.slot(graph.inputs().get(spec.input()), new long[] {1, 3, frames, height, width})) {
            in.put(video, 0, 0, video.length);
            return graph.runForOutput(Map.of(spec.input(), in.tensor()), spec.output());
        }
    }
}
