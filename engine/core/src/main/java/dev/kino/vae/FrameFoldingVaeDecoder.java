package dev.kino.vae;

import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.TensorSlot;
import dev.kino.tensor.FloatTensor;
import dev.kino.video.VideoFrames;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An image VAE applied to video: frames are folded into the batch axis ({@code [1,C,F,h,w]} →
 * {@code [F,C,h,w]}) and decoded {@code chunk_frames} at a time, so memory stays bounded for long clips.
 */
public final class FrameFoldingVaeDecoder implements VaeDecoder {
    private final OnnxModel graph;
    private final Manifest.Vae spec;
    private final int scale;

    public FrameFoldingVaeDecoder(OnnxModel graph, Manifest.Vae spec, int spatialCompression) {
        this.graph = graph;
        this.spec = spec;
        this.scale = spatialCompression;
    }

    @Override
    public int frames(int latentFrames) {
        return latentFrames;
    }

    @Override
    public VideoFrames decode(FloatTensor latents) {
        return decode(latents, spec.dynamicBatch() ? spec.chunkFrames() : 1);
    }

    /** Decodes with an explicit chunk size (frames per run). */
    public VideoFrames decode(FloatTensor latents, int chunk) {
        int channels = latents.dim(1);
        int frames = latents.dim(2);
        int h = latents.dim(3);
        int w = latents.dim(4);
        int plane = h * w;
        float[] src = latents.data();
        List<byte[]> out = new ArrayList<>(frames);
        int width = w * scale;
        int height = h * scale;
        for (int f0 = 0; f0 < frames; f0 += chunk) {
            int k = Math.min(chunk, frames - f0);
            try (TensorSlot in = graph.slot(graph.inputs().get(spec.input()), new long[] {k, channels, h, w})) {
                for (int j = 0; j < k; j++) {
                    for (int c = 0; c < channels; c++) {
                        in.put(src, (c * frames + f0 + j) * plane, (j * channels + c) * plane, plane);
                    }
                }
                FloatTensor images = graph.runForOutput(Map.of(spec.input(), in.tensor()), spec.output());
                long[] want = {k, 3, height, width};
                if (!java.util.Arrays.equals(images.shape(), want)) {
                    throw new KinoException("The VAE decoder returned " + java.util.Arrays.toString(images.shape())
                            + " for " + k + " frames but the manifest implies " + java.util.Arrays.toString(want)
                            + "; check latent.spatial_compression in kino.json.");
                }
                for (int j = 0; j < k; j++) {
                    out.add(VideoFrames.fromPlanar(images.data(), j * 3 * height * width, height * width,
                            height * width));
                }
            }
        }
        return new VideoFrames(width, height, out);
    }
}
