package dev.kino.image;

import dev.kino.KinoException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a conditioning picture as 8-bit RGB, as diffusers' {@code load_image} does: the EXIF orientation applied
 * ({@code exif_transpose}: a phone's sideways JPEG arrives upright), then {@code convert("RGB")} (an alpha channel
 * is dropped, not composited; grey becomes equal R, G and B). PNG, JPEG, BMP and GIF (its first frame) are decoded
 * by the JDK; still WebP by FFmpeg with libwebp's colour conversion ({@link WebpFiles}).
 */
public final class ImageFiles {
    private ImageFiles() {
    }

    /** @throws KinoException (one sentence) when the file is missing or not a picture Kino can decode */
    public static RgbImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new KinoException("Image " + file + " does not exist: give the path of a PNG, JPEG, WebP or BMP file.");
        }
        RgbImage rgb = switch (WebpFiles.kind(file)) {
            case STILL -> WebpFiles.read(file);
            case ANIMATED -> throw new KinoException("Image " + file + " is an animated WebP: give a still picture"
                    + " (the frame you want, saved as PNG or still WebP).");
            case NOT_WEBP -> toRgb(decode(file));
        };
        return ExifOrientation.apply(rgb, ExifOrientation.read(file));
    }

    private static BufferedImage decode(Path file) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            img = null;
        }
        if (img == null) {
            throw new KinoException("Image " + file + " cannot be read: it is not a PNG, JPEG, WebP, BMP or GIF picture "
                    + "(convert it to PNG).");
        }
        return img;
    }

    static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] rgb = new byte[w * h * 3];
        Raster raster = img.getRaster();
        boolean gray = img.getColorModel().getNumColorComponents() == 1 && img.getColorModel().getPixelSize() <= 16
                && img.getType() != BufferedImage.TYPE_BYTE_INDEXED && img.getType() != BufferedImage.TYPE_BYTE_BINARY;
        int[] px = new int[raster.getNumBands()];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                if (gray) {
                    // the stored grey level (getRGB would pass it through a linear-to-sRGB conversion)
                    raster.getPixel(x, y, px);
                    int bits = img.getColorModel().getComponentSize(0);
                    int v = bits == 8 ? px[0] : Math.round(px[0] * 255f / ((1 << bits) - 1));
                    rgb[i] = rgb[i + 1] = rgb[i + 2] = (byte) v;
                } else {
                    int argb = img.getRGB(x, y);      // non-premultiplied: the alpha is simply dropped
                    rgb[i] = (byte) (argb >> 16);
                    rgb[i + 1] = (byte) (argb >> 8);
                    rgb[i + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(w, h, rgb);
    }
}
