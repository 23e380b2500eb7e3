package dev.kino.lora;

import dev.kino.KinoException;

import java.util.List;

/**
 * A linear layer's weight as a precision package stores it (models/quantize): read back to float32 for a LoRA
 * to be added, then stored again in the same scheme, so the session runs the package's own kernels.
 *
 * <ul>
 * <li>{@code int8} ({@code MatMulInteger}, ONNX Runtime's {@code quantize_dynamic}): int8 [in, out], one scale
 *     per output column, symmetric (zero points 0): {@code w = q · scale}, {@code scale = max|w| / 127}.</li>
 * <li>{@code w8} / {@code w4} ({@code MatMulNBits}): [out, blocks, bytes] of {@code bits}-bit values, a scale
 *     per block of {@code block_size} inputs, symmetric (no zero-point input: the implicit zero point is
 *     {@code 2^(bits-1)}): {@code w = (q - zp) · scale}, {@code scale = (the block's value of largest
 *     magnitude) / -zp}, 4-bit values two to a byte, the lower input first.</li>
 * </ul>
 * Requantized after the merge the weight carries the mode's own rounding error again (docs/precision.md),
 * nothing more: the LoRA's change itself is added in float32.
 */
final class QuantizedWeight {
    enum Scheme { INT8_COLUMNS, NBITS }

    private final Scheme scheme;
    private final OnnxInitializers.Initializer values;
    private final OnnxInitializers.Initializer scales;
    private final int in;
    private final int out;
    private final int bits;
    private final int block;

    private QuantizedWeight(Scheme scheme, OnnxInitializers.Initializer values, OnnxInitializers.Initializer scales,
                            int in, int out, int bits, int block) {
        this.scheme = scheme;
        this.values = values;
        this.scales = scales;
        this.in = in;
        this.out = out;
        this.bits = bits;
        this.block = block;
    }

    /** MatMulInteger(x, W_quantized, x_zero_point, W_zero_point) with its scale beside it, or a refusal. */
    static QuantizedWeight int8(String module, OnnxInitializers graph, OnnxInitializers.Node node) {
        var by = graph.byName();
        OnnxInitializers.Initializer q = by.get(node.inputs().get(1));
        String stem = q.name().endsWith("_quantized") ? q.name().substring(0, q.name().length() - 10) : null;
        OnnxInitializers.Initializer scale = stem == null ? null : by.get(stem + "_scale");
        OnnxInitializers.Initializer zero = node.inputs().size() > 3 ? by.get(node.inputs().get(3)) : null;
        if (q.dataType() != INT8 || q.dims().length != 2 || scale == null || scale.numel() != q.dims()[1]
                || (zero != null && !allZero(zero))) {
            throw unsupported(module, graph, "an int8 layout other than per-column symmetric");
        }
        return new QuantizedWeight(Scheme.INT8_COLUMNS, q, scale, (int) q.dims()[0], (int) q.dims()[1], 8, 0);
    }

    /** MatMulNBits(x, B, scales) with attributes K, N, bits, block_size; zero points are refused. */
    static QuantizedWeight nbits(String module, OnnxInitializers graph, OnnxInitializers.Node node) {
        var by = graph.byName();
        OnnxInitializers.Initializer b = by.get(node.inputs().get(1));
        OnnxInitializers.Initializer scales = node.inputs().size() > 2 ? by.get(node.inputs().get(2)) : null;
        boolean zeroPoints = node.inputs().size() > 3 && !node.inputs().get(3).isEmpty();
        int k = node.ints().getOrDefault("K", 0L).intValue();
        int n = node.ints().getOrDefault("N", 0L).intValue();
        int bits = node.ints().getOrDefault("bits", 0L).intValue();
        int block = node.ints().getOrDefault("block_size", 0L).intValue();
        int blocks = block == 0 ? 0 : (k + block - 1) / block;
        if (zeroPoints || scales == null || scales.dataType() != OnnxInitializers.FLOAT || (bits != 4 && bits != 8)
                || b.numel() != (long) n * blocks * block * bits / 8 || scales.numel() != (long) n * blocks) {
            throw unsupported(module, graph, "a MatMulNBits layout other than symmetric 4- or 8-bit blocks");
        }
        return new QuantizedWeight(Scheme.NBITS, b, scales, k, n, bits, block);
    }

    static final int INT8 = 3;

    /** [in, out] for int8 (MatMul's layout), [out, in] for MatMulNBits. */
    boolean transposed() {
        return scheme == Scheme.INT8_COLUMNS;
    }

    long[] dims() {
        return transposed() ? new long[] {in, out} : new long[] {out, in};
    }

    OnnxInitializers.Initializer stored() {
        return values;
    }

    /** The weight in float32, laid out as {@link #dims()}. */
    float[] dequantize() {
        byte[] q = OnnxInitializers.readBytes(values);
        float[] s = OnnxInitializers.read(scales);
        float[] w = new float[in * out];
        if (scheme == Scheme.INT8_COLUMNS) {
            for (int i = 0; i < w.length; i++) {
                w[i] = q[i] * s[i % out];
            }
            return w;
        }
        int zero = 1 << (bits - 1);
        int blocks = (in + block - 1) / block;
        for (int n = 0; n < out; n++) {
            for (int k = 0; k < in; k++) {
                w[n * in + k] = (level(q, n * blocks * block + k) - zero) * s[n * blocks + k / block];
            }
        }
        return w;
    }

    /** {@code w} (laid out as {@link #dims()}) stored in this scheme: the new values and scales. */
    List<LoraMerge.Merged> requantize(float[] w, long inlineValues, long inlineScales) {
        byte[] q = new byte[Math.toIntExact(values.length())];
        float[] s = new float[Math.toIntExact(scales.numel())];
        if (scheme == Scheme.INT8_COLUMNS) {
            for (int c = 0; c < out; c++) {
                float max = 0;
                for (int r = 0; r < in; r++) {
                    max = Math.max(max, Math.abs(w[r * out + c]));
                }
                s[c] = max / 127f;
                for (int r = 0; r < in; r++) {
                    q[r * out + c] = (byte) (max == 0 ? 0 : Math.max(-127, Math.min(127, Math.rint(w[r * out + c] / s[c]))));
                }
            }
        } else {
            int zero = 1 << (bits - 1);
            int blocks = (in + block - 1) / block;
            for (int n = 0; n < out; n++) {
                for (int b = 0; b < blocks; b++) {
                    float signedMax = 0;
                    for (int k = b * block; k < Math.min(in, (b + 1) * block); k++) {
                        float v = w[n * in + k];
                        signedMax = Math.abs(v) > Math.abs(signedMax) ? v : signedMax;
                    }
                    float scale = signedMax / -zero;
                    s[n * blocks + b] = scale;
                    for (int k = b * block; k < (b + 1) * block; k++) {
                        float v = k < in ? w[n * in + k] : 0;
                        int level = scale == 0 ? zero : (int) Math.max(0, Math.min(2 * zero - 1, Math.rint(v / scale) + zero));
                        setLevel(q, n * blocks * block + k, level);
                    }
                }
            }
        }
        return List.of(LoraMerge.Merged.raw(values, q, inlineValues),
                new LoraMerge.Merged(scales.name(), scales.dims(), false, s, inlineScales));
    }

    OnnxInitializers.Initializer scales() {
        return scales;
    }

    private int level(byte[] q, int i) {
        if (bits == 8) {
            return q[i] & 0xff;
        }
        int b = q[i >> 1] & 0xff;
        return (i & 1) == 0 ? b & 15 : b >> 4;
    }

    private void setLevel(byte[] q, int i, int level) {
        if (bits == 8) {
            q[i] = (byte) level;
        } else if ((i & 1) == 0) {
            q[i >> 1] = (byte) ((q[i >> 1] & 0xf0) | level);
        } else {
            q[i >> 1] = (byte) ((q[i >> 1] & 0x0f) | (level << 4));
        }
    }

    private static boolean allZero(OnnxInitializers.Initializer zero) {
        for (byte b : OnnxInitializers.readBytes(zero)) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static KinoException unsupported(String module, OnnxInitializers graph, String what) {
        return new KinoException("The layer " + module + " of " + graph.graph().getFileName() + " is stored in " + what
                + ", which Kino cannot merge a LoRA into; use the package's fp32, fp16, int8, w8 or w4 export.");
    }
}
