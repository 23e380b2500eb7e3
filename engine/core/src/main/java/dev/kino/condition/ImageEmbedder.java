package dev.kino.condition;

import dev.kino.image.ImagePreprocessing;
import dev.kino.image.PilResize.Filter;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.TensorSlot;
import dev.kino.tensor.FloatTensor;

import java.util.List;
import java.util.Map;

/**
 * The CLIP vision tower of Wan 2.1 I2V/FLF2V: each picture preprocessed as CLIPImageProcessor does, encoded
 * to its penultimate hidden states, and the pictures' tokens put side by side ({@code [1, images * tokens,
 * dim]}: FLF2V's first and last frame), as the denoiser's image input takes them.
 */
public final class ImageEmbedder {
    private final OnnxModel graph;
    private final Manifest.ImageEncoder spec;

    public ImageEmbedder(OnnxModel graph, Manifest.ImageEncoder spec) {
        this.graph = graph;
        this.spec = spec;
    }

    public FloatTensor embed(List<RgbImage> images) {
        float[] out = null;
        int tokens = 0;
        int dim = 0;
        for (int i = 0; i < images.size(); i++) {
            float[] pixels = ImagePreprocessing.clipInput(images.get(i), spec.shortestEdge(), spec.cropWidth(),
                    spec.cropHeight(), Filter.named(spec.resample()), spec.mean(), spec.std());
            FloatTensor e;
            try (TensorSlot in = graph.slot(graph.inputs().get(spec.input()),
                    new long[] {1, 3, spec.cropHeight(), spec.cropWidth()})) {
                in.put(pixels, 0, 0, pixels.length);
                e = graph.runForOutput(Map.of(spec.input(), in.tensor()), spec.output());
            }
            if (out == null) {
                tokens = e.dim(1);
                dim = e.dim(2);
                out = new float[images.size() * tokens * dim];
            }
            System.arraycopy(e.data(), 0, out, i * tokens * dim, tokens * dim);
        }
        return new FloatTensor(new long[] {1, (long) images.size() * tokens, dim}, out);
    }
}
