package dev.kino.condition;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.TensorSlot;
import dev.kino.tensor.FloatTensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Wan's causal VAE encoder walked as diffusers' {@code AutoencoderKLWan._encode} walks it: video frame 0
 * through the first-frame graph, then 4 frames at a time through the next graph with the previous step's
 * caches, one latent frame per step. The graphs return the posterior's mode (diffusers'
 * {@code sample_mode="argmax"}), not yet normalised.
 */
public final class CausalVaeEncoder implements VaeEncoder {
    private final OnnxModel first;
    private final OnnxModel next;
    private final Manifest.VaeEncoder spec;

    public CausalVaeEncoder(OnnxModel first, OnnxModel next, Manifest.VaeEncoder spec) {
        this.first = first;
        this.next = next;
        this.spec = spec;
    }

    /** {@inheritDoc} Frames = 1 + 4k; latents {@code [1, z, 1 + k, height / s, width / s]}. */
    @Override
    public FloatTensor encode(float[] video, int frames, int height, int width) {
        int plane = height * width;
        Set<String> outputs = new LinkedHashSet<>();
        outputs.add(spec.output());
        outputs.addAll(spec.cacheOutputs());
        List<FloatTensor> latents = new ArrayList<>();
        OrtSession.Result previous = null;
        try (TensorSlot firstIn = first.slot(first.inputs().get(spec.input()), new long[] {1, 3, spec.framesFirst(), height, width});
             TensorSlot nextIn = next.slot(next.inputs().get(spec.input()), new long[] {1, 3, spec.framesNext(), height, width})) {
            for (int start = 0; start < frames; ) {
                boolean isFirst = start == 0;
                int n = isFirst ? spec.framesFirst() : spec.framesNext();
                TensorSlot in = isFirst ? firstIn : nextIn;
                for (int c = 0; c < 3; c++) {
                    in.put(video, (c * frames + start) * plane, c * n * plane, n * plane);
                }
                Map<String, OnnxTensor> inputs = new HashMap<>();
                inputs.put(spec.input(), in.tensor());
                if (!isFirst) {
                    for (int i = 0; i < spec.cacheInputs().size(); i++) {
                        inputs.put(spec.cacheInputs().get(i),
                                (OnnxTensor) previous.get(spec.cacheOutputs().get(i)).orElseThrow());
                    }
                }
                OnnxModel graph = isFirst ? first : next;
                OrtSession.Result result = graph.runAll(inputs, outputs);
                if (previous != null) {
                    previous.close();       // its caches were consumed by this step
                }
                previous = result;
                latents.add(graph.toFloats((OnnxTensor) result.get(spec.output()).orElseThrow(), spec.output()));
                start += n;
            }
        } finally {
            if (previous != null) {
                previous.close();
            }
        }
        return concatFrames(latents);
    }

    private static FloatTensor concatFrames(List<FloatTensor> steps) {
        FloatTensor one = steps.get(0);
        int z = one.dim(1);
        int plane = one.dim(3) * one.dim(4);
        int t = steps.size();
        float[] out = new float[z * t * plane];
        for (int f = 0; f < t; f++) {
            for (int c = 0; c < z; c++) {
                System.arraycopy(steps.get(f).data(), c * plane, out, (c * t + f) * plane, plane);
            }
        }
        return new FloatTensor(new long[] {1, z, t, one.dim(3), one.dim(4)}, out);
    }
}
