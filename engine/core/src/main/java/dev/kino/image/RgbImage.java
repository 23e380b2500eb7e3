package dev.kino.image;

/**
 * An 8-bit RGB picture, rows top to bottom, pixels interleaved {@code r, g, b} (what PIL's "RGB" mode holds).
 *
 * @param width  pixels per row
 * @param height rows
 * @param rgb    {@code width * height * 3} bytes, unsigned
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width <= 0 || height <= 0 || rgb.length != width * height * 3) {
            throw new IllegalArgumentException("RGB image " + width + "x" + height + " with " + rgb.length + " bytes");
        }
    }

    /** A black image (PIL's {@code Image.new("RGB", size)}). */
    public static RgbImage black(int width, int height) {
        return new RgbImage(width, height, new byte[width * height * 3]);
    }

    /** Channel {@code c} of pixel (x, y), 0..255. */
    public int at(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** Copies {@code src} with its top-left corner at (left, top); parts outside this image are dropped (PIL paste). */
    public void paste(RgbImage src, int left, int top) {
        for (int y = Math.max(0, top); y < Math.min(height, top + src.height); y++) {
            int x0 = Math.max(0, left);
            int x1 = Math.min(width, left + src.width);
            if (x1 > x0) {
                System.arraycopy(src.rgb, ((y - top) * src.width + (x0 - left)) * 3, rgb, (y * width + x0) * 3, (x1 - x0) * 3);
            }
        }
    }

    /** The {@code w x h} region at (left, top), which must lie inside the image. */
    public RgbImage crop(int left, int top, int w, int h) {
        if (left < 0 || top < 0 || left + w > width || top + h > height) {
            throw new IllegalArgumentException("crop outside the image");
        }
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(rgb, ((top + y) * width + left) * 3, out, y * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }
}
