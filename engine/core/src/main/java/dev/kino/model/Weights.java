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

    /** The {@code weights} format the converter's {@code mode} writes (w4: int4-weight-only). */
    public static String formatOf(String mode) {
        int i = MODES.indexOf(mode);
        return i < 0 ? mode : FORMATS.get(i);
    }

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

    /**
     * How the graph's weights are stored: {@code weights} (default fp32) and, for a converted graph, its
     * {@code quantization} record, which must name the mode that writes that format, so a manifest
     * cannot claim int4 weights with a record of int8 ones.
     */
    static Weights read(JsonFields f) {
        String format = f.raw("weights") == null ? "fp32" : f.oneOf("weights", FORMATS.toArray(String[]::new));
        if (f.raw("quantization") == null) {
            if (format.startsWith("int") || format.equals("bf16")) {
                f.problem("quantization", "is missing: " + format + " weights come from models/quantize, which records how");
            }
            return exported(format);
        }
        JsonFields q = f.object("quantization");
        String mode = q.oneOf("mode", MODES.toArray(String[]::new));
        String wants = FORMATS.get(MODES.indexOf(mode));
        if (!wants.equals(format)) {
            q.problem("mode", "is " + mode + ", which writes " + wants + " weights, but weights is " + format);
        }
        int block = format.endsWith("weight-only") ? q.positiveInt("block_size") : 0;
        q.optionalString("tool", null);
        q.optionalString("source", null);   // an imported checkpoint: its file and hash (import_gguf.py)
        return new Weights(format, mode, q.string("method"), block,
                q.raw("kept_fp32") == null ? List.of() : q.strings("kept_fp32"));
    }
}
