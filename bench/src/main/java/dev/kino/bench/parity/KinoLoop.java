package dev.kino.bench.parity;

import dev.kino.KinoException;
import dev.kino.denoise.Denoiser;
import dev.kino.denoise.DenoiserCondition;
import dev.kino.denoise.OnnxDenoiser;
import dev.kino.model.Manifest;
import dev.kino.model.Weights;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.runtime.Port;
import dev.kino.schedule.PredictionType;
import dev.kino.tensor.FloatTensor;
import dev.kino.text.TextEmbeddings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Kino's side of the parity bench: one denoiser graph stepped through Kino's own denoiser
 * ({@link OnnxDenoiser}: latents copied into reusable native tensors, cond and uncond in one batch-2 run,
 * the prediction copied out and guidance combined), exactly as the denoising loop calls it.
 *
 * <p>Each step's wall time is split into the part inside ONNX Runtime's {@code run} and the rest, so a gap to
 * the bare runtime can be told apart from Kino's own copies.
 */
public final class KinoLoop {

    /**
     * Per measured step: wall seconds and the part inside ONNX Runtime's {@code run}; {@code lastPrediction}:
     * the last step's guided prediction, for comparing precision modes run on the same inputs.
     */
    public record Result(List<Double> stepSeconds, List<Double> runSeconds, float[] lastPrediction) {
    }

    private KinoLoop() {
    }

    /**
     * @param latent one sample's latent dims {@code C, F, H, W}
     * @param text   one prompt's embedding dims {@code L, D}
     */
    public static Result run(OnnxRuntime runtime, Path graphFile, long[] latent, long[] text, int steps, int warmup) {
        try (OnnxModel graph = runtime.open(graphFile, "denoiser")) {
            return run(graph, latent, text, steps, warmup);
        }
    }

    /** As {@link #run(OnnxRuntime, Path, long[], long[], int, int)} on a session the caller opened (and closes). */
    public static Result run(OnnxModel graph, long[] latent, long[] text, int steps, int warmup) {
        {
            Path graphFile = graph.file();
            Manifest.Denoiser spec = new Manifest.Denoiser(graphFile.getFileName().toString(), Manifest.Precision.FP32,
                    true, input(graph, 5), input(graph, 1), input(graph, 3), graph.outputs().keySet().iterator().next(),
                    PredictionType.FLOW, "float32", 1.0, List.of(1, 1, 1), List.of(), 0, null, false, null, null,
                    null, Weights.exported("fp32"));   // what the graph holds does not change how Kino feeds it
            long[] shape = {1, latent[0], latent[1], latent[2], latent[3]};
            Random random = new Random(0);
            TextEmbeddings embeddings = new TextEmbeddings(gaussian(new long[] {1, text[0], text[1]}, random),
                    gaussian(new long[] {1, text[0], text[1]}, random));
            float[] latents = gaussian(shape, random).data();
            float[] prediction = new float[latents.length];
            List<Double> wall = new ArrayList<>();
            List<Double> inRun = new ArrayList<>();
            // An image model's denoiser takes condition channels behind the latents: all zeros, as Kino feeds a
            // model whose picture is optional when none is given (the demo model).
            long channels = graph.inputs().get(spec.sample()).shape()[1];
            DenoiserCondition condition = DenoiserCondition.NONE;
            if (channels > latent[0]) {
                long[] extra = {1, channels - latent[0], latent[1], latent[2], latent[3]};
                condition = new DenoiserCondition(new FloatTensor(extra, new float[Math.toIntExact(
                        FloatTensor.numel(extra))]), null, null);
            }
            try (Denoiser.Run denoiser = new OnnxDenoiser(graph, spec).begin(shape, embeddings, new float[] {5f},
                    condition)) {
                for (int i = 0; i < warmup + steps; i++) {
                    double t = 1000.0 * (1 - (double) i / (warmup + steps));
                    long runBefore = graph.runNanos();
                    long start = System.nanoTime();
                    denoiser.predict(latents, t, prediction);
                    long elapsed = System.nanoTime() - start;
                    if (i >= warmup) {
                        wall.add(elapsed / 1e9);
                        inRun.add((graph.runNanos() - runBefore) / 1e9);
                    }
                    for (int j = 0; j < latents.length; j++) {
                        latents[j] -= 0.01f * prediction[j];   // a step's worth of change, as the Python loop does
                    }
                }
            }
            return new Result(wall, inRun, prediction.clone());
        }
    }

    /** The graph's input of the given rank: latents 5-D, timestep 1-D, text embeddings 3-D. */
    private static String input(OnnxModel graph, int rank) {
        for (Port p : graph.inputs().values()) {
            if (p.rank() == rank) {
                return p.name();
            }
        }
        throw new KinoException("The graph " + graph.file() + " has no " + rank
                + "-D input; the parity bench takes a denoiser (latents, timestep, text embeddings).");
    }

    private static FloatTensor gaussian(long[] shape, Random random) {
        float[] data = new float[Math.toIntExact(FloatTensor.numel(shape))];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return new FloatTensor(shape, data);
    }
}
