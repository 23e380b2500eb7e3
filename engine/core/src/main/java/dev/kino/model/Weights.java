package dev.kino.model;

import java.util.List;
import java.util.Locale;

/**
 * How one graph's weights are stored and multiplied: the manifest's {@code weights} key and, for a quantized
 * graph, its {@code quantization} object (written by {@code models/quantize/quantize_package.py}). The graph's
 * inputs and outputs are unaffected ({@link Manifest.Precision} says those); ONNX Runtime runs whatever
 * kernels the graph names, so this is what a user reads in {@code kino info}, and what the memory of a
 * package and the quality of its videos depend on.
 *
 * @param format    {@code fp32}, {@code fp16}, {@code bf16}, {@code int8} (MatMuls with int8 weights and
 *                  activations quantized per call), {@code int8-weight-only} or {@code int4-weight-only}
 *                  (MatMulNBits: weights in blocks, arithmetic in float)
 * @param mode      the quantizer's mode name ({@code int8}, {@code w8}, {@code w4}, {@code fp16}, {@code bf16}),
 *                  null for an unconverted export
 * @param method    how the graph was converted, in words; null for an unconverted export
 * @param blockSize weights per scale for the block formats, 0 otherwise
 * @param keptFp32  the layers (node names) left in fp32 because they do not survive quantization
 */
public record Weights(String format, String mode, String method, int blockSize, List<String> keptFp32) {

    /** Every {@code weights} value a manifest may hold. */
    public static final List<String> FORMATS =
            List.of("fp32", "fp16", "bf16", "int8", "int8-weight-only", "int4-weight-only");

    /** The converter's mode that writes each format (same order as {@link #FORMATS}). */
    static final List<String> MODES = List.of("fp32", "fp16", "bf16", "int8", "w8", "w4");

    /** Plain exported weights, as the exporters write them (fp32 or fp16), with no conversion record. */
    public static Weights exported(String format) {
        return new Weights(format, null, null, 0, List.of());
    }

    /** Whether a quantizer converted this graph (it then carries a {@code quantization} record). */
    public boolean converted() {
        return mode != null;
    }

    /** One line for {@code kino info}: the format, the block size and how many layers stayed fp32. */
    public String describe() {
        if (!converted()) {
            return format + " weights";
        }
        StringBuilder s = new StringBuilder(format + " weights (mode " + mode);
        if (blockSize > 0) {
            s.append(", blocks of ").append(blockSize);
        }
        s.append(keptFp32.isEmpty() ? ", every MatMul converted"
                : String.format(Locale.ROOT, ", %d layer%s kept fp32", keptFp32.size(), keptFp32.size() == 1 ? "" : "s"));
        return s.append("): ").append(method).toString();
    }
}
