package dev.kino.server.work;

import dev.kino.demo.DemoModel;
import dev.kino.denoise.StepListener;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.video.VideoFrames;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo model's fitted preview factors draw what its VAE decodes, far closer than the fallback does. */
class LatentPreviewTest {
    @Test
    void theFittedProjectionLooksLikeTheDecodedFrame() {
        PreviewFactors factors = PreviewFactors.read(DemoModel.folder());
        assertNotNull(factors, "the demo manifest carries preview factors");
        try (TextToVideoPipeline kino = DemoModel.load(Device.CPU)) {
            double fitted = 0;
            double fallback = 0;
            for (String prompt : new String[] {"a red circle moving right", "a blue square moving up", "a yellow triangle moving left"}) {
                GenerationResult r = kino.generate(GenerationRequest.builder(prompt).steps(10).seed(5L).build(), StepListener.NONE);
                long[] shape = r.latents().shape();
                float[] x = r.latents().data();
                fitted += error(LatentPreview.image(shape, x, factors), r.frames(), shape);
                fallback += error(LatentPreview.image(shape, x, null), r.frames(), shape);
            }
            assertTrue(fitted / 3 < 10, "mean error per channel " + fitted / 3 + " of 255");
            assertTrue(fitted < fallback / 2, "fitted " + fitted + " vs per-channel normalization " + fallback);
        }
    }

    /** Mean absolute difference (0..255) between the preview and the decoded middle frames averaged per latent cell. */
    private static double error(BufferedImage preview, VideoFrames frames, long[] shape) {
        int h = (int) shape[3];
        int w = (int) shape[4];
        int cell = frames.width() / w;
        int perLatent = frames.count() / (int) shape[2];
        int first = ((int) shape[2] / 2) * perLatent;
        double sum = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = preview.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    double mean = 0;
                    for (int f = first; f < first + perLatent; f++) {
                        for (int dy = 0; dy < cell; dy++) {
                            for (int dx = 0; dx < cell; dx++) {
                                mean += frames.channel(f, x * cell + dx, y * cell + dy, c);
                            }
                        }
                    }
                    mean /= perLatent * cell * cell;
                    sum += Math.abs(((rgb >> (16 - 8 * c)) & 0xff) - mean);
                }
            }
        }
        return sum / (h * w * 3);
    }
}
