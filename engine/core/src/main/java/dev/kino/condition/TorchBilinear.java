package dev.kino.condition;

/**
 * {@code torch.nn.functional.interpolate(x, size, mode="bilinear", align_corners=False)} on the CPU in float32,
 * without antialiasing: source coordinate {@code max(s * (d + 0.5) - 0.5, 0)} with {@code s = in / out}, the
 * two neighbours weighted {@code 1 - l} and {@code l}, the width interpolated first, then the height, as
 * PyTorch's separable kernel sums them.
 */
final class TorchBilinear {
    private TorchBilinear() {
    }

    /** {@code [C, inH, inW]} to {@code [C, outH, outW]}. */
    static float[] resize(float[] x, int channels, int inH, int inW, int outH, int outW) {
        int[] y0 = new int[outH];
        int[] y1 = new int[outH];
        float[] wy0 = new float[outH];
        float[] wy1 = new float[outH];
        axis(inH, outH, y0, y1, wy0, wy1);
        int[] x0 = new int[outW];
        int[] x1 = new int[outW];
        float[] wx0 = new float[outW];
        float[] wx1 = new float[outW];
        axis(inW, outW, x0, x1, wx0, wx1);
        float[] out = new float[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            int base = c * inH * inW;
            for (int i = 0; i < outH; i++) {
                int r0 = base + y0[i] * inW;
                int r1 = base + y1[i] * inW;
                for (int j = 0; j < outW; j++) {
                    float top = x[r0 + x0[j]] * wx0[j] + x[r0 + x1[j]] * wx1[j];
                    float bottom = x[r1 + x0[j]] * wx0[j] + x[r1 + x1[j]] * wx1[j];
                    out[(c * outH + i) * outW + j] = top * wy0[i] + bottom * wy1[i];
                }
            }
        }
        return out;
    }

    private static void axis(int in, int out, int[] i0, int[] i1, float[] w0, float[] w1) {
        float scale = (float) in / out;
        for (int d = 0; d < out; d++) {
            float src = scale * (d + 0.5f) - 0.5f;
            if (src < 0) {
                src = 0;
            }
            int index = Math.min((int) Math.floor(src), in - 1);
            float lambda = Math.min(Math.max(src - index, 0f), 1f);
            i0[d] = index;
            i1[d] = index + (index < in - 1 ? 1 : 0);
            w1[d] = lambda;
            w0[d] = 1f - lambda;
        }
    }
}
