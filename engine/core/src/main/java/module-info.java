/**
 * Kino's core library: loads a model package (manifest, tokenizer, ONNX graphs) and turns a prompt into video
 * frames and an MP4. Start at {@link dev.kino.pipeline.TextToVideoPipeline}.
 *
 * <p>Exported: the pipeline API and the stages a caller configures or inspects (noise, schedulers, the
 * denoising loop's events, model packages, runtime devices, tensors, video files). The tokenizer wrapper and
 * the VAE decoders are internal.
 */
module dev.kino.core {
    requires com.microsoft.onnxruntime;
    requires ai.djl.tokenizers;
    requires org.bytedeco.javacv;
    requires org.bytedeco.javacpp;
    requires org.bytedeco.ffmpeg;
    requires com.fasterxml.jackson.databind;
    requires org.apache.commons.text;
    requires metadata.extractor; // EXIF orientation (an automatic module named after its jar)
    requires java.desktop;
    requires java.logging; // only to quiet ONNX Runtime's loader (OrtNative)

    exports dev.kino;
    exports dev.kino.pipeline;
    exports dev.kino.request;
    exports dev.kino.runtime;
    exports dev.kino.model;
    exports dev.kino.noise;
    exports dev.kino.schedule;
    exports dev.kino.denoise;
    exports dev.kino.tensor;
    exports dev.kino.video;
    exports dev.kino.image;
    exports dev.kino.lora;
}
