package dev.kino.vae;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.TensorSlot;
import dev.kino.tensor.FloatTensor;
import dev.kino.video.VideoFrames;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A causal video VAE (Wan) decoded the way diffusers decodes it: one latent frame at a time, each step
 * carrying the causal convolutions' feature caches to the next. The first latent frame goes through the
 * first-frame graph (1 video frame); every later one through the next-frame graph with the previous step's
 * caches (4 video frames). Memory is bounded by one latent frame whatever the clip length, and the result
 * equals decoding the whole clip at once.
 */
public final class CausalVaeDecoder implements VaeDecoder {
    private final OnnxModel first;
    private final OnnxModel next;
    private final Manifest.Vae spec;
    private final int scale;

    public CausalVaeDecoder(OnnxModel first, OnnxModel next, Manifest.Vae spec, int spatialCompression) {
        this.first = first;
        this.next = next;
        this.spec = spec;
        this.scale = spatialCompression;
    }

    @Override
    public int frames(int latentFrames) {
        return spec.framesFirst() + (latentFrames - 1) * spec.framesNext();
    }

    @Override
    public VideoFrames decode(FloatTensor latents) {
        int channels = latents.dim(1);
        int latentFrames = latents.dim(2);
        int h = latents.dim(3);
        int w = latents.dim(4);
        int plane = h * w;
        int height = h * scale;
        int width = w * scale;
        Set<String> outputs = new LinkedHashSet<>();
        outputs.add(spec.output());
        outputs.addAll(spec.cacheOutputs());
        List<byte[]> video = new ArrayList<>(frames(latentFrames));
        OrtSession.Result previous = null;
        try (TensorSlot latent = first.slot(first.inputs().get(spec.input()), new long[] {1, channels, 1, h, w})) {
            for (int f = 0; f < latentFrames; f++) {
                for (int c = 0; c < channels; c++) {
                    latent.put(latents.data(), (c * latentFrames + f) * plane, c * plane, plane);
                }
                Map<String, OnnxTensor> inputs = new HashMap<>();
                inputs.put(spec.input(), latent.tensor());
                OnnxModel graph = f == 0 ? first : next;
                if (f > 0) {
                    for (int i = 0; i < spec.cacheInputs().size(); i++) {
                        inputs.put(spec.cacheInputs().get(i),
                                (OnnxTensor) previous.get(spec.cacheOutputs().get(i)).orElseThrow());
                    }
                }
                OrtSession.Result result = graph.runAll(inputs, outputs);
                if (previous != null) {
                    previous.close(); // the caches it held were consumed by this step
                }
                previous = result;
                FloatTensor frames = graph.toFloats((OnnxTensor) result.get(spec.output()).orElseThrow(), spec.output());
                int want = f == 0 ? spec.framesFirst() : spec.framesNext();
                if (frames.rank() != 5 || frames.dim(1) != 3 || frames.dim(2) != want || frames.dim(3) != height
                        || frames.dim(4) != width) {
                    throw new KinoException("The " + graph.role() + " returned " + frames + " for one latent frame but"
                            + " the manifest implies [1, 3, " + want + ", " + height + ", " + width
                            + "]; check vae.frames_first/frames_next and latent.spatial_compression in kino.json.");
                }
                int pixels = height * width;
                for (int t = 0; t < want; t++) {
                    video.add(VideoFrames.fromPlanar(frames.data(), t * pixels, want * pixels, pixels));
                }
            }
        } finally {
            if (previous != null) {
                previous.close();
            }
        }
        return new VideoFrames(width, height, video);
    }
}
