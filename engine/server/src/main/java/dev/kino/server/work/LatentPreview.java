package dev.kino.server.work;

import dev.kino.denoise.StepEvent;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * A small picture of the latents mid-run, without the VAE: the middle latent frame projected to RGB with the
 * model's {@link PreviewFactors}, or, for a model without them, its first three channels each stretched to
 * their own range (recognisable shapes, arbitrary colours).
 */
public final class LatentPreview {
    private LatentPreview() {
    }

    /** The preview as a {@code data:image/png;base64,...} URL, ready for an {@code <img src>}. */
    public static String dataUrl(StepEvent.LatentsView latents, PreviewFactors factors) {
        BufferedImage img = image(latents.shape(), latents.copy(), factors);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
    }

    static BufferedImage image(long[] shape, float[] x, PreviewFactors factors) {
        int channels = (int) shape[1];
        int frames = (int) shape[2];
        int h = (int) shape[3];
        int w = (int) shape[4];
        int plane = h * w;
        int frameOffset = (frames / 2) * plane;
        int channelStride = frames * plane;
        float[][] rgb = new float[3][plane];
        if (factors != null) {
            for (int k = 0; k < 3; k++) {
                for (int p = 0; p < plane; p++) {
                    float v = factors.bias()[k];
                    for (int c = 0; c < channels; c++) {
                        v += x[c * channelStride + frameOffset + p] * factors.factors()[c][k];
                    }
                    rgb[k][p] = Math.max(0f, Math.min(1f, v / 2f + 0.5f));
                }
            }
        } else {
            for (int k = 0; k < 3; k++) {
                int c = Math.min(k, channels - 1);
                float min = Float.MAX_VALUE;
                float max = -Float.MAX_VALUE;
                for (int p = 0; p < plane; p++) {
                    float v = x[c * channelStride + frameOffset + p];
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                float range = max - min < 1e-6f ? 1f : max - min;
                for (int p = 0; p < plane; p++) {
                    rgb[k][p] = (x[c * channelStride + frameOffset + p] - min) / range;
                }
            }
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < plane; p++) {
            int r = Math.round(rgb[0][p] * 255);
            int g = Math.round(rgb[1][p] * 255);
            int b = Math.round(rgb[2][p] * 255);
            img.setRGB(p % w, p / w, r << 16 | g << 8 | b);
        }
        return img;
    }
}
