package dev.kino.sweep.quality;

import dev.kino.video.VideoFrames;

import java.util.ArrayList;
import java.util.List;

/** Deterministic synthetic frames, the same formulas as the NumPy script that produced the golden values. */
final class TestFrames {
    static final int W = 24;
    static final int H = 20;

    private TestFrames() {
    }

    /** a[y][x][c] = (7x + 13y + 29c) mod 256 */
    static byte[] ramp() {
        byte[] f = new byte[W * H * 3];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                for (int c = 0; c < 3; c++) {
                    f[(y * W + x) * 3 + c] = (byte) ((x * 7 + y * 13 + c * 29) % 256);
                }
            }
        }
        return f;
    }

    /** clip(a + ((x·y + c) mod 17) − 8, 0, 255) */
    static byte[] rampWithNoise() {
        byte[] a = ramp();
        byte[] f = new byte[a.length];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                for (int c = 0; c < 3; c++) {
                    int i = (y * W + x) * 3 + c;
                    f[i] = (byte) Math.max(0, Math.min(255, (a[i] & 0xff) + (x * y + c) % 17 - 8));
                }
            }
        }
        return f;
    }

    /** 255 − a */
    static byte[] inverted() {
        byte[] a = ramp();
        byte[] f = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (byte) (255 - (a[i] & 0xff));
        }
        return f;
    }

    static byte[] solid(int value) {
        byte[] f = new byte[W * H * 3];
        java.util.Arrays.fill(f, (byte) value);
        return f;
    }

    static VideoFrames video(byte[]... frames) {
        List<byte[]> list = new ArrayList<>(List.of(frames));
        return new VideoFrames(W, H, list);
    }
}
