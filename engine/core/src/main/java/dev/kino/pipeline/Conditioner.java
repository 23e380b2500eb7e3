package dev.kino.pipeline;

import dev.kino.condition.ImageCondition;
import dev.kino.condition.ImageEmbedder;
import dev.kino.condition.VaeEncoder;
import dev.kino.denoise.DenoiserCondition;
import dev.kino.image.Fit;
import dev.kino.image.PilResize.Filter;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.model.ModelGraphs;
import dev.kino.tensor.FloatTensor;

import java.util.ArrayList;
import java.util.List;

/** Turns a request's pictures into what the denoiser takes (models/export/image-to-video.md, steps 2-5). */
final class Conditioner {
    private Conditioner() {
    }

    static DenoiserCondition condition(Manifest m, ModelGraphs graphs, Pictures pictures, ResolvedSettings s,
                                       List<String> warnings) {
        Fit fit = pictures.fit();
        Manifest.Conditioning spec = m.conditioning();
        List<RgbImage> images = new ArrayList<>();
        images.add(pictures.first());
        if (pictures.last() != null) {
            images.add(pictures.last());
        }
        for (RgbImage img : images) {
            if (fit.distorts(img.width(), img.height(), s.width(), s.height())) {
                warnings.add("The " + img.width() + "x" + img.height() + " picture is stretched to " + s.width() + "x"
                        + s.height() + " (--fit stretch); --fit crop or pad keeps its proportions.");
            }
        }
        float[] first = ImageCondition.pixels(pictures.first(), s.width(), s.height(), fit, spec);
        float[] last = pictures.last() == null ? null
                : ImageCondition.pixels(pictures.last(), s.width(), s.height(), fit, spec);
        VaeEncoder encoder = VaeEncoder.of(spec.vaeEncoder(), graphs);
        FloatTensor latents = ImageCondition.build(m, encoder, first, last, s.frames(), s.width(), s.height());
        FloatTensor embeddings = null;
        if (graphs.imageEncoder() != null) {
            if (spec.imageEncoder().resized()) {    // HunyuanVideo 1.5 encodes the picture at the video's size
                images.replaceAll(img -> fit.apply(img, s.width(), s.height(), Filter.named(spec.resize())));
            }
            embeddings = new ImageEmbedder(graphs.imageEncoder(), spec.imageEncoder()).embed(images);
        }
        return spec.mode() == Manifest.Conditioning.Mode.CONCAT
                ? new DenoiserCondition(latents, null, embeddings)
                : new DenoiserCondition(null, latents, embeddings);
    }

    /** Wan VACE: the control latents and the conditioning scale for every VACE layer. */
    static DenoiserCondition vace(Manifest m, ModelGraphs graphs, VaceInputs in, ResolvedSettings s) {
        VaeEncoder encoder = VaeEncoder.of(m.videoEncoder(), graphs);
        FloatTensor control = dev.kino.condition.VaceCondition.build(m, encoder, in.references(), in.control(),
                in.mask(), s.frames(), s.width(), s.height(), in.fit());
        float[] scale = new float[m.denoiser().control().layers()];
        java.util.Arrays.fill(scale, (float) in.scale());
        return DenoiserCondition.control(control, scale);
    }

    /**
     * A request without pictures: nothing for text-only models and {@code expand_timesteps} ones (they run as
     * text-to-video); zero condition channels for a {@code concat} model whose picture is optional.
     */
    static DenoiserCondition withoutPictures(Manifest m, long[] latentShape) {
        Manifest.Conditioning spec = m.conditioning();
        if (spec == null || spec.mode() != Manifest.Conditioning.Mode.CONCAT) {
            return DenoiserCondition.NONE;
        }
        return new DenoiserCondition(ImageCondition.none(m, latentShape), null, null);
    }

    /** expand_timesteps models: the clean image latent is latent frame 0 of the result, as the pipeline does. */
    static void restoreFirstFrame(DenoiserCondition condition, float[] latents, long[] shape) {
        FloatTensor first = condition.firstFrame();
        if (first == null) {
            return;
        }
        int frames = (int) shape[2];
        int plane = (int) (shape[3] * shape[4]);
        for (int c = 0; c < shape[1]; c++) {
            System.arraycopy(first.data(), c * plane, latents, c * frames * plane, plane);
        }
    }
}
