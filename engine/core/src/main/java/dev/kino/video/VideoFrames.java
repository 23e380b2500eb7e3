package dev.kino.video;

import dev.kino.DivergedException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Decoded RGB frames, 8 bits per channel, interleaved (R, G, B per pixel, row-major).
 *
 * <p>VAE decoders produce values in [-1, 1]; the mapping to 8 bits is diffusers' image post-processing:
 * {@code x = clamp(v / 2 + 0.5, 0, 1)}, then {@code x * 255} rounded half to even (numpy's rint), in float32.
 */
public final class VideoFrames {
    private final int width;
    private final int height;
    private final List<byte[]> frames;

    /**
     * @param width  pixels per row
     * @param height rows
     * @param frames interleaved RGB, {@code width * height * 3} bytes each
     */
    public VideoFrames(int width, int height, List<byte[]> frames) {
        for (byte[] f : frames) {
            if (f.length != width * height * 3) {
                throw new IllegalArgumentException("frame of " + f.length + " bytes is not " + width + "x" + height + " RGB");
            }
        }
        this.width = width;
        this.height = height;
        this.frames = Collections.unmodifiableList(new ArrayList<>(frames));
    }

    /** Pixels per row. */
    public int width() {
        return width;
    }

    /** Rows. */
    public int height() {
        return height;
    }

    /** Number of frames. */
    public int count() {
        return frames.size();
    }

    /** Frame {@code i} as interleaved RGB bytes (not a copy). */
    public byte[] frame(int i) {
        return frames.get(i);
    }

    /** Red, green or blue (0..255) of pixel (x, y) of frame {@code i}. */
    public int channel(int i, int x, int y, int c) {
        return frames.get(i)[(y * width + x) * 3 + c] & 0xff;
    }

    /**
     * Converts one planar float frame to 8-bit RGB: channel {@code c} of pixel {@code p} is
     * {@code data[offset + c * channelStride + p]}, in [-1, 1].
     *
     * @throws DivergedException when a value is NaN or infinite (which would otherwise turn silently black)
     */
    public static byte[] fromPlanar(float[] data, int offset, int channelStride, int pixels) {
        byte[] rgb = new byte[pixels * 3];
        for (int c = 0; c < 3; c++) {
            int base = offset + c * channelStride;
            for (int p = 0; p < pixels; p++) {
                float v = data[base + p];
                if (!Float.isFinite(v)) {
                    throw new DivergedException("The VAE decoder returned " + (Float.isNaN(v) ? "NaN" : "infinite")
                            + " pixel values: the latents went out of range (try a lower guidance) or the VAE's"
                            + " weights are damaged or overflow in fp16; re-export the model.", -1);
                }
                float x = v / 2f + 0.5f;
                x = Math.min(1f, Math.max(0f, x));
                rgb[p * 3 + c] = (byte) (int) Math.rint(x * 255f);
            }
        }
        return rgb;
    }
}
