package dev.kino.denoise;

import ai.onnxruntime.OnnxTensor;
import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.Port;
import dev.kino.runtime.TensorSlot;
import dev.kino.tensor.FloatTensor;
import dev.kino.text.TextEmbeddings;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A denoiser that is one ONNX graph. With a dynamic batch axis, cond and uncond go through in ONE run of
 * batch 2 (uncond first, as diffusers concatenates them); with a fixed batch of 1, in two runs. Every
 * tensor is allocated once per generation and reused by every step. Image models (a {@link DenoiserCondition})
 * also get their condition channels behind the latents, or the clean first latent frame with timestep 0
 * (one timestep per latent frame), and the image embeddings.
 */
public final class OnnxDenoiser implements Denoiser {
    private final OnnxModel graph;
    private final Manifest.Denoiser spec;

    /**
     * @param graph the denoiser's ONNX session
     * @param spec  the manifest's description of its inputs and outputs
     */
    public OnnxDenoiser(OnnxModel graph, Manifest.Denoiser spec) {
        this.graph = graph;
        this.spec = spec;
    }

    @Override
    public Denoiser.Run begin(long[] latentShape, TextEmbeddings embeddings, float[] guidance) {
        return begin(latentShape, embeddings, guidance, DenoiserCondition.NONE);
    }

    @Override
    public Denoiser.Run begin(long[] latentShape, TextEmbeddings embeddings, float[] guidance,
                              DenoiserCondition condition) {
        List<TextInput> inputs = new ArrayList<>();
        inputs.add(TextInput.of(spec.textEmbeddings(), spec.textMask(), embeddings));
        for (TextEmbeddings.Routed r : embeddings.routed()) {
            inputs.add(TextInput.of(r.input(), r.maskInput(), r.embeddings()));
        }
        for (TextInput in : inputs) {
            if (in.mask() != null && in.masks().contains(null)) {
                throw new IllegalArgumentException("This denoiser masks its text attention; pass embeddings with masks.");
            }
        }
        if (spec.frameRate() != null && !(condition.frameRate() > 0)) {
            throw new IllegalArgumentException("This denoiser takes the video's frame rate; pass it in the condition.");
        }
        int prompts = inputs.get(0).texts().size();
        int batch = spec.dynamicBatch() ? prompts : 1;
        int passes = prompts / batch;
        BoundRun run = new BoundRun(latentShape, prompts, batch, passes, guidance[0], condition);
        try {
            for (TextInput in : inputs) {
                run.bindText(in);
            }
            run.bindFrameRate(condition.frameRate());
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        return run;
    }

    /**
     * One text encoder's embeddings for the denoiser input {@code input} (and its mask for {@code mask}, may be
     * null), in batch order: uncond first when guided, as diffusers concatenates them.
     */
    private record TextInput(String input, String mask, List<FloatTensor> texts, List<long[]> masks) {
        static TextInput of(String input, String mask, TextEmbeddings e) {
            List<FloatTensor> texts = new ArrayList<>();
            List<long[]> masks = new ArrayList<>();
            if (e.hasUncond()) {
                texts.add(e.uncond());
                masks.add(e.uncondMask());
            }
            texts.add(e.cond());
            masks.add(e.condMask());
            return new TextInput(input, mask, texts, masks);
        }
    }

    /** The tensors of one generation. {@code passes} runs of {@code batch} samples cover all prompts. */
    private final class BoundRun implements Denoiser.Run {
        private final int n;
        private final int batch;
        private final int prompts;
        private final float guidance;
        private final TensorSlot sample;
        private final TensorSlot timestep;
        private final List<Map<String, TensorSlot>> textPerPass = new ArrayList<>();   // input name -> slot, per pass
        private TensorSlot frameRate;
        private final TensorSlot output;
        private final TensorSlot image;
        private final DenoiserCondition condition;
        private final int sampleSize;
        private final int frames;
        private final float[] predictions;
        private final List<TensorSlot> all = new ArrayList<>();
        private boolean closed;

        BoundRun(long[] latentShape, int prompts, int batch, int passes, float guidance,
                 DenoiserCondition condition) {
            this.n = Math.toIntExact(FloatTensor.numel(latentShape));
            this.batch = batch;
            this.prompts = prompts;
            this.guidance = guidance;
            this.condition = condition;
            this.frames = (int) latentShape[2];
            long[] batched = latentShape.clone();
            batched[0] = batch;
            long[] sampleShape = batched.clone();
            if (condition.channels() != null) {
                sampleShape[1] += condition.channels().dim(1);
            }
            this.sampleSize = Math.toIntExact(FloatTensor.numel(sampleShape) / batch);
            Port timestepPort = graph.inputs().get(spec.timestep());
            sample = track(graph.slot(graph.inputs().get(spec.sample()), sampleShape));
            timestep = track(graph.slot(timestepPort, timestepPort.rank() == 0 ? new long[0]
                    : spec.timestepPerFrame() ? new long[] {batch, frames} : new long[] {batch}));
            output = track(graph.slot(graph.outputs().get(spec.output()), batched));
            FloatTensor pictures = condition.imageEmbeddings();
            image = pictures == null ? null : track(graph.slot(graph.inputs().get(spec.imageEmbeddings()),
                    new long[] {batch, pictures.dim(1), pictures.dim(2)}));
            for (int b = 0; image != null && b < batch; b++) {
                image.put(pictures.data(), 0, b * pictures.data().length, pictures.data().length);
            }
            for (int p = 0; p < passes; p++) {
                textPerPass.add(new HashMap<>());
            }
            predictions = new float[n * prompts];
        }

        /** One text encoder's embeddings (and mask) into per-pass slots of the inputs it feeds. */
        void bindText(TextInput in) {
            FloatTensor first = in.texts().get(0);
            for (int p = 0; p < textPerPass.size(); p++) {
                TensorSlot text = track(graph.slot(graph.inputs().get(in.input()),
                        new long[] {batch, first.dim(1), first.dim(2)}));
                for (int b = 0; b < batch; b++) {
                    float[] emb = in.texts().get(p * batch + b).data();
                    text.put(emb, 0, b * emb.length, emb.length);
                }
                textPerPass.get(p).put(in.input(), text);
                if (in.mask() != null) {
                    int length = in.masks().get(0).length;
                    TensorSlot mask = track(graph.slot(graph.inputs().get(in.mask()), new long[] {batch, length}));
                    for (int b = 0; b < batch; b++) {
                        mask.put(in.masks().get(p * batch + b), b * length);
                    }
                    textPerPass.get(p).put(in.mask(), mask);
                }
            }
        }

        /** LTX-Video-style graphs take the video's frame rate. */
        void bindFrameRate(double fps) {
            if (spec.frameRate() != null) {
                frameRate = track(graph.slot(graph.inputs().get(spec.frameRate()), new long[] {1}));
                frameRate.fill(fps);
            }
        }

        private TensorSlot track(TensorSlot slot) {
            all.add(slot);
            return slot;
        }

        @Override
        public void predict(float[] modelInput, double t, float[] out) {
            if (closed) {   // ONNX Runtime would read the freed native tensors and crash the JVM
                throw new IllegalStateException("This denoiser run is closed; begin a new one.");
            }
            FloatTensor first = condition.firstFrame();
            int plane = first == null ? 0 : first.dim(3) * first.dim(4);
            for (int b = 0; b < batch; b++) {
                sample.put(modelInput, 0, b * sampleSize, n);
                if (condition.channels() != null) {        // [latents, condition] along the channels
                    float[] c = condition.channels().data();
                    sample.put(c, 0, b * sampleSize + n, c.length);
                }
                for (int c = 0; first != null && c < first.dim(1); c++) {   // clean latent frame 0
                    sample.put(first.data(), c * plane, b * sampleSize + c * frames * plane, plane);
                }
            }
            timestep.fill(t * spec.timestepScale());
            for (int b = 0; first != null && b < batch; b++) {
                timestep.put(new float[] {0f}, 0, b * frames, 1);
            }
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put(spec.sample(), sample.tensor());
            inputs.put(spec.timestep(), timestep.tensor());
            if (image != null) {
                inputs.put(spec.imageEmbeddings(), image.tensor());
            }
            if (frameRate != null) {
                inputs.put(spec.frameRate(), frameRate.tensor());
            }
            for (int p = 0; p < textPerPass.size(); p++) {
                textPerPass.get(p).forEach((name, slot) -> inputs.put(name, slot.tensor()));
                graph.run(inputs, Map.of(spec.output(), output.tensor()));
                output.get(0, predictions, p * batch * n, batch * n);
            }
            if (prompts == 2) {
                Guidance.combine(predictions, n, guidance, out);
            } else {
                System.arraycopy(predictions, 0, out, 0, n);
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                all.forEach(TensorSlot::close);
            }
        }
    }
}
