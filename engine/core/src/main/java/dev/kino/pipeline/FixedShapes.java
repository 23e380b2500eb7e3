package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.model.ModelGraphs;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.Port;

/**
 * Graphs exported with a fixed number of frames or a fixed size take only that size. The manifest's frame
 * and size rules cannot say so, the graphs' own input shapes do: checked here, before any work starts, so
 * the user reads which size the model makes instead of ONNX Runtime's "invalid dimensions" mid-run.
 */
final class FixedShapes {
    private FixedShapes() {
    }

    static void check(Manifest m, ModelGraphs graphs, int frames, int width, int height) {
        Manifest.Latent latent = m.latent();
        int cell = latent.spatialCompression();
        long[] clip = {latent.channels(), latent.latentFrames(frames), height / cell, width / cell};
        for (OnnxModel denoiser : graphs.denoisers()) {
            check(denoiser, denoiser.inputs().get(m.denoiser().sample()), clip, m.defaults(), frames, width, height);
        }
        Manifest.Vae vae = m.vae();
        if (vae.kind() == Manifest.VaeKind.THREE_D) {
            check(graphs.vae(), graphs.vae().inputs().get(vae.input()), clip, m.defaults(), frames, width, height);
        } else if (vae.kind() == Manifest.VaeKind.TWO_D) {
            long[] frame = {latent.channels(), height / cell, width / cell};
            check(graphs.vae(), graphs.vae().inputs().get(vae.input()), frame, m.defaults(), frames, width, height);
        }
    }

    /** {@code wanted}: the input's shape after the batch axis; only its fixed axes are compared. */
    private static void check(OnnxModel graph, Port port, long[] wanted, Manifest.Defaults own, int frames,
                              int width, int height) {
        if (port == null || port.rank() != wanted.length + 1) {
            return; // the signature check at load reports names and ranks
        }
        for (int axis = 1; axis < port.rank(); axis++) {
            if (!port.isDynamic(axis) && port.shape()[axis] != wanted[axis - 1]) {
                throw new KinoException(graph.file().getFileName() + " was exported for a fixed video size ("
                        + port.describe() + "), so it cannot make " + width + "x" + height + " with " + frames
                        + " frames; use the model's own size (" + own.width() + "x" + own.height() + ", " + own.frames()
                        + " frames: the defaults), or export the graph again with dynamic axes.");
            }
        }
    }
}
