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
        List<FloatTensor> texts = new ArrayList<>();
        List<long[]> masks = new ArrayList<>();
        if (embeddings.hasUncond()) {
            texts.add(embeddings.uncond());
            masks.add(embeddings.uncondMask());
        }
        texts.add(embeddings.cond());
        masks.add(embeddings.condMask());
        if (spec.textMask() != null && masks.contains(null)) {
            throw new IllegalArgumentException("This denoiser masks its text attention; pass embeddings with masks.");
        }
        if (spec.frameRate() != null && !(condition.frameRate() > 0)) {
            throw new IllegalArgumentException("This denoiser takes the video's frame rate; pass it in the condition.");
        }
        int batch = spec.dynamicBatch() ? texts.size() : 1;
        int passes = texts.size() / batch;
        BoundRun run = new BoundRun(latentShape, texts, batch, passes, guidance[0], condition);
        try {
            run.bindTextMaskAndFrameRate(masks, condition.frameRate());
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        return run;
    }

    /** The tensors of one generation. {@code passes} runs of {@code batch} samples cover all prompts. */
    private final class BoundRun implements Denoiser.Run {
        private final int n;
        private final int batch;
        private final int prompts;
        private final float guidance;
        private final TensorSlot sample;
        private final TensorSlot timestep;
        private final TensorSlot[] text;
        private final TensorSlot[] mask;
        private TensorSlot frameRate;
        private final TensorSlot output;
        private final TensorSlot image;
        private final TensorSlot control;
        private final TensorSlot controlScale;
        private final DenoiserCondition condition;
        private final int sampleSize;
        private final int frames;
        private final float[] predictions;
        private final List<TensorSlot> all = new ArrayList<>();
        private boolean closed;

        BoundRun(long[] latentShape, List<FloatTensor> texts, int batch, int passes, float guidance,
                 DenoiserCondition condition) {
            this.n = Math.toIntExact(FloatTensor.numel(latentShape));
            this.batch = batch;
            this.prompts = texts.size();
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
            FloatTensor ctl = condition.control();
            control = ctl == null ? null : track(graph.slot(graph.inputs().get(spec.control().input()),
                    new long[] {batch, ctl.dim(1), ctl.dim(2), ctl.dim(3), ctl.dim(4)}));
            for (int b = 0; control != null && b < batch; b++) {
                control.put(ctl.data(), 0, b * ctl.data().length, ctl.data().length);
            }
            controlScale = ctl == null ? null : track(graph.slot(graph.inputs().get(spec.control().scaleInput()),
                    new long[] {condition.controlScale().length}));
            if (controlScale != null) {
                controlScale.put(condition.controlScale(), 0, 0, condition.controlScale().length);
            }
            text = new TensorSlot[passes];
            mask = new TensorSlot[passes];
            FloatTensor first = texts.get(0);
            for (int p = 0; p < passes; p++) {
                long[] textShape = {batch, first.dim(1), first.dim(2)};
                text[p] = track(graph.slot(graph.inputs().get(spec.textEmbeddings()), textShape));
                for (int b = 0; b < batch; b++) {
                    float[] emb = texts.get(p * batch + b).data();
                    text[p].put(emb, 0, b * emb.length, emb.length);
                }
            }
            predictions = new float[n * prompts];
        }

        /** The optional inputs of LTX-Video-style graphs: per-pass text masks and the frame rate. */
        void bindTextMaskAndFrameRate(List<long[]> masks, double fps) {
            if (spec.textMask() != null) {
                int length = masks.get(0).length;
                for (int p = 0; p < text.length; p++) {
                    mask[p] = track(graph.slot(graph.inputs().get(spec.textMask()), new long[] {batch, length}));
                    for (int b = 0; b < batch; b++) {
                        mask[p].put(masks.get(p * batch + b), b * length);
                    }
                }
            }
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
            if (control != null) {
                inputs.put(spec.control().input(), control.tensor());
                inputs.put(spec.control().scaleInput(), controlScale.tensor());
            }
            for (int p = 0; p < text.length; p++) {
                inputs.put(spec.textEmbeddings(), text[p].tensor());
                if (mask[p] != null) {
                    inputs.put(spec.textMask(), mask[p].tensor());
                }
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
