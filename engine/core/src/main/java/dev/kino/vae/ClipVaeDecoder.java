package dev.kino.vae;

import ai.onnxruntime.OnnxTensor;
import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.TensorSlot;
import dev.kino.tensor.FloatTensor;
import dev.kino.video.VideoFrames;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A video VAE that decodes the whole clip {@code [1,C,F,h,w]} → {@code [1,3,F',H,W]} in one run; a
 * timestep-conditioned one (LTX-Video 0.9.1+) also takes the decode timestep.
 */
public final class ClipVaeDecoder implements VaeDecoder {
    private final OnnxModel graph;
    private final Manifest.Vae spec;
    private final Manifest.Latent latent;

    public ClipVaeDecoder(OnnxModel graph, Manifest.Vae spec, Manifest.Latent latent) {
        this.graph = graph;
        this.spec = spec;
        this.latent = latent;
    }

    @Override
    public int frames(int latentFrames) {
        int t = latent.temporalCompression();
        return latent.causal() ? (latentFrames - 1) * t + 1 : latentFrames * t;
    }

    @Override
    public VideoFrames decode(FloatTensor latents) {
        return decode(latents, Map.of());
    }

    @Override
    public VideoFrames decode(FloatTensor latents, Map<String, FloatTensor> injectedNoise) {
        Manifest.DecodeNoise noise = spec.decodeNoise();
        List<TensorSlot> planes = new ArrayList<>();
        try {
            Map<String, OnnxTensor> extra = new HashMap<>();
            for (Map.Entry<String, FloatTensor> e : injectedNoise.entrySet()) {
                TensorSlot slot = graph.slot(graph.inputs().get(e.getKey()), e.getValue().shape());
                planes.add(slot);
                slot.put(e.getValue().data(), 0, 0, e.getValue().data().length);
                extra.put(e.getKey(), slot.tensor());
            }
            return decode(latents, noise, extra);
        } finally {
            planes.forEach(TensorSlot::close);
        }
    }

    private VideoFrames decode(FloatTensor latents, Manifest.DecodeNoise noise, Map<String, OnnxTensor> extra) {
        try (TensorSlot in = graph.slot(graph.inputs().get(spec.input()), latents.shape());
             TensorSlot timestep = noise == null ? null
                     : graph.slot(graph.inputs().get(noise.timestepInput()), new long[] {latents.dim(0)})) {
            in.put(latents.data(), 0, 0, latents.data().length);
            Map<String, OnnxTensor> inputs = new HashMap<>(Map.of(spec.input(), in.tensor()));
            inputs.putAll(extra);
            if (timestep != null) {
                timestep.fill(noise.timestep());     // decode_timestep, as float32
                inputs.put(noise.timestepInput(), timestep.tensor());
            }
            FloatTensor video = graph.runForOutput(inputs, spec.output());
            int frames = frames(latents.dim(2));
            int height = latents.dim(3) * latent.spatialCompression();
            int width = latents.dim(4) * latent.spatialCompression();
            long[] want = {1, 3, frames, height, width};
            if (!java.util.Arrays.equals(video.shape(), want)) {
                throw new KinoException("The VAE decoder returned " + java.util.Arrays.toString(video.shape())
                        + " but the manifest implies " + java.util.Arrays.toString(want)
                        + "; check latent.temporal_compression, causal and spatial_compression in kino.json.");
            }
            int pixels = height * width;
            List<byte[]> out = new ArrayList<>(frames);
            for (int f = 0; f < frames; f++) {
                out.add(VideoFrames.fromPlanar(video.data(), f * pixels, frames * pixels, pixels));
            }
            return new VideoFrames(width, height, out);
        }
    }
}
