package dev.kino.model;

import dev.kino.KinoException;
import dev.kino.runtime.GraphSignature;
import dev.kino.runtime.Port;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Graphs exported with a fixed number of frames or a fixed size take only that size. The manifest's frame
 * and size rules cannot say so, the graphs' own input shapes do. One rule serves planning (refuse another
 * size before any work starts, instead of ONNX Runtime's "invalid dimensions" mid-run) and {@code kino info}
 * (say that the model has one size).
 */
public final class FixedShapes {
    private FixedShapes() {
    }

    /** A latent-consuming input of a graph and the shape it gets for a video, after the batch axis. */
    private record Input(GraphSignature graph, Port port, long[] wanted) {
    }

    /**
     * Checks that every latent-consuming graph (denoiser experts, a 3D or 2D VAE) accepts a video of
     * {@code frames} frames of {@code width x height}.
     *
     * @throws KinoException naming the graph, its fixed shape and the model's own size
     */
    public static void check(Manifest m, PackageSignatures graphs, int frames, int width, int height) {
        Manifest.Defaults own = m.defaults();
        for (Input in : inputs(m, graphs, frames, width, height)) {
            for (int axis = 1; axis < in.port().rank(); axis++) {
                if (!in.port().isDynamic(axis) && in.port().shape()[axis] != in.wanted()[axis - 1]) {
                    throw new KinoException(in.graph().file().getFileName() + " was exported for a fixed video size ("
                            + in.port().describe() + "), so it cannot make " + width + "x" + height + " with " + frames
                            + " frames; use the model's own size (" + own.width() + "x" + own.height() + ", "
                            + own.frames() + " frames: the defaults), or export the graph again with dynamic axes.");
                }
            }
        }
    }

    /**
     * The first latent-consuming graph input whose frame or spatial axes are fixed, described (e.g.
     * {@code denoiser.onnx takes sample [batch, 4, 16, 8, 8]}); empty when every such axis is dynamic.
     */
    public static Optional<String> fixedInput(Manifest m, PackageSignatures graphs) {
        Manifest.Defaults d = m.defaults();
        for (Input in : inputs(m, graphs, d.frames(), d.width(), d.height())) {
            for (int axis = 2; axis < in.port().rank(); axis++) { // after batch and channels
                if (!in.port().isDynamic(axis)) {
                    return Optional.of(in.graph().file().getFileName() + " takes " + in.port().describe());
                }
            }
        }
        return Optional.empty();
    }

    private static List<Input> inputs(Manifest m, PackageSignatures graphs, int frames, int width, int height) {
        Manifest.Latent latent = m.latent();
        int cell = latent.spatialCompression();
        long[] clip = {latent.channels(), latent.latentFrames(frames), height / cell, width / cell};
        List<Input> inputs = new ArrayList<>();
        long[] sample = clip.clone();
        if (m.denoiser().inChannels() > 0) {
            sample[0] = m.denoiser().inChannels();      // image models: latents + condition channels
        }
        for (GraphSignature denoiser : graphs.denoisers()) {
            add(inputs, denoiser, m.denoiser().sample(), sample);
        }
        Manifest.Vae vae = m.vae();
        if (vae.kind() == Manifest.VaeKind.THREE_D) {
            add(inputs, graphs.vae(), vae.input(), clip);
        } else if (vae.kind() == Manifest.VaeKind.TWO_D) {
            add(inputs, graphs.vae(), vae.input(), new long[] {latent.channels(), height / cell, width / cell});
        }
        return inputs;
    }

    private static void add(List<Input> inputs, GraphSignature graph, String name, long[] wanted) {
        Port port = graph.inputs().get(name);
        if (port != null && port.rank() == wanted.length + 1) { // else the signature check at load reports it
            inputs.add(new Input(graph, port, wanted));
        }
    }
}
