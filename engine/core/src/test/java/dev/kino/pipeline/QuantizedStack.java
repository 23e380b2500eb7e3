package dev.kino.pipeline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A weight-heavy quantized Wan-shaped denoiser written by the tests (no committed file of hundreds of MB): a stack
 * of {@code layers} quantized {@code width x width} MatMuls over the text embeddings, the way
 * models/quantize writes them (int8: DynamicQuantizeLinear, MatMulInteger, Cast, Mul by the scales; w4/w8:
 * MatMulNBits), each followed by a tanh, whose result is multiplied by zero and added to {@code hidden_states}. So the graph takes the
 * tiny Wan denoiser's inputs, predicts the latents themselves, and ONNX Runtime loads and runs every weight.
 * A minimal protobuf writer spells out the ONNX messages (onnx.proto field numbers).
 */
final class QuantizedStack {
    enum Kind { INT8, W4, W4_INT8_COMPUTE, W8 }

    private static final int BLOCK = 32;
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> inits = new ArrayList<>();
    private final OutputStream data;
    private final String dataName;
    private long offset;

    private QuantizedStack(OutputStream data, String dataName) {
        this.data = data;
        this.dataName = dataName;
    }

    /**
     * Writes {@code file} (and, when {@code external}, {@code file_data} beside it with every weight) with
     * {@code textDim}-wide text embeddings.
     */
    static void write(Path file, Kind kind, int layers, int width, int textDim, boolean external) throws IOException {
        Path dataFile = file.resolveSibling(file.getFileName() + "_data");
        try (OutputStream data = external ? Files.newOutputStream(dataFile) : OutputStream.nullOutputStream()) {
            QuantizedStack g = new QuantizedStack(external ? data : null, dataFile.getFileName().toString());
            Random random = new Random(1);
            String x = "encoder_hidden_states";
            for (int i = 0; i < layers; i++) {
                // tanh keeps every value finite, so the product with zero below is exactly zero
                g.node("Tanh", "", List.of(g.layer(kind, i, x, i == 0 ? textDim : width, width, random)),
                        List.of("/blocks." + i + "/tanh"), new byte[0]);
                x = "/blocks." + i + "/tanh";
            }
            g.node("ReduceMean", "", List.of(x), List.of("mean"), new byte[0]);
            g.init("zero", new long[0], 1, floats(new float[]{0}));
            g.node("Mul", "", List.of("mean", "zero"), List.of("nothing"), new byte[0]);
            g.node("Add", "", List.of("hidden_states", "nothing"), List.of("noise_pred"), new byte[0]);
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
                g.model(out, textDim);
            }
        }
    }

    /** One quantized layer {@code k -> n}; returns its output's name. */
    private String layer(Kind kind, int i, String x, int k, int n, Random random) throws IOException {
        String p = "/blocks." + i + "/ffn/";
        if (kind == Kind.INT8) {
            int8Weights(p, k, n, random);
            node("DynamicQuantizeLinear", "", List.of(x), List.of(p + "xq", p + "xs", p + "xz"), new byte[0]);
            return int8MatMul(p, p + "x", p);
        }
        int bits = kind == Kind.W8 ? 8 : 4;
        int blocks = (k + BLOCK - 1) / BLOCK;
        byte[] b = new byte[n * blocks * BLOCK * bits / 8];
        random.nextBytes(b);
        float[] scale = new float[n * blocks];
        java.util.Arrays.fill(scale, (float) (1 / ((bits == 8 ? 74.0 : 4.6) * Math.sqrt(k))));
        init(p + "w_Q" + bits, new long[]{n, blocks, BLOCK * bits / 8}, 2, b);
        init(p + "w_scales", new long[]{n, blocks}, 1, floats(scale));
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        a.write(attr("K", k));
        a.write(attr("N", n));
        a.write(attr("bits", bits));
        a.write(attr("block_size", BLOCK));
        if (kind == Kind.W4_INT8_COMPUTE) {
            a.write(attr("accuracy_level", 4));
        }
        node("MatMulNBits", "com.microsoft", List.of(x, p + "w_Q" + bits, p + "w_scales"), List.of(p + "out"),
                a.toByteArray());
        return p + "out";
    }

    /** A {@code k x n} int8 weight with per-column zero points and scales, named {@code p} + "w_...". */
    private void int8Weights(String p, int k, int n, Random random) throws IOException {
        byte[] w = new byte[k * n];
        random.nextBytes(w);
        float[] scale = new float[n];
        java.util.Arrays.fill(scale, (float) (1 / (74.0 * Math.sqrt(k))));   // keeps the values near 1
        init(p + "w_quantized", new long[]{k, n}, 3, w);
        init(p + "w_zero_point", new long[]{n}, 3, new byte[n]);
        init(p + "w_scale", new long[]{n}, 1, floats(scale));
    }

    /**
     * Node {@code p}'s MatMulInteger over the quantized input {@code xq}, {@code xs}, {@code xz} (named {@code x}
     * + "q"/"s"/"z") and its weights {@code w} + "_quantized"/"_zero_point"/"_scale", with the Cast and the Mul
     * by the scales; returns its output's name.
     */
    private String int8MatMul(String p, String x, String w) {
        node("MatMulInteger", "", List.of(x + "q", w + "w_quantized", x + "z", w + "w_zero_point"),
                List.of(p + "int32"), new byte[0]);
        node("Cast", "", List.of(p + "int32"), List.of(p + "float"), attr("to", 1));
        node("Mul", "", List.of(x + "s", w + "w_scale"), List.of(p + "scale"), new byte[0]);
        node("Mul", "", List.of(p + "float", p + "scale"), List.of(p + "out"), new byte[0]);
        return p + "out";
    }

    /**
     * Writes an int8 graph shaped like Wan's cross-attention as models/quantize writes it: the text quantized once
     * and read by every block's key and value projections ({@code textDim -> width} each), all summed into the
     * output. Weights inline, or in {@code file_data} when {@code external}.
     */
    static void writeCrossAttention(Path file, int blocks, int width, int textDim, boolean external)
            throws IOException {
        Path dataFile = file.resolveSibling(file.getFileName() + "_data");
        try (OutputStream data = external ? Files.newOutputStream(dataFile) : OutputStream.nullOutputStream()) {
            QuantizedStack g = new QuantizedStack(external ? data : null, dataFile.getFileName().toString());
            Random random = new Random(1);
            String text = "/text/";
            g.node("DynamicQuantizeLinear", "", List.of("encoder_hidden_states"),
                    List.of(text + "q", text + "s", text + "z"), new byte[0]);
            String sum = null;
            for (int i = 0; i < blocks; i++) {
                for (String proj : List.of("to_k", "to_v")) {
                    String p = "/blocks." + i + "/attn2/" + proj + "/";
                    g.int8Weights(p, textDim, width, random);
                    String out = g.int8MatMul(p, text, p);
                    if (sum != null) {
                        g.node("Add", "", List.of(sum, out), List.of(p + "sum"), new byte[0]);
                        out = p + "sum";
                    }
                    sum = out;
                }
            }
            g.node("ReduceMean", "", List.of(sum), List.of("mean"), new byte[0]);
            g.init("zero", new long[0], 1, floats(new float[]{0}));
            g.node("Mul", "", List.of("mean", "zero"), List.of("nothing"), new byte[0]);
            g.node("Add", "", List.of("hidden_states", "nothing"), List.of("noise_pred"), new byte[0]);
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
                g.model(out, textDim);
            }
        }
    }

    /** Streams the ModelProto to {@code out}: the graph's parts are written as they are, not copied again. */
    private void model(OutputStream out, int textDim) throws IOException {
        List<byte[]> parts = new ArrayList<>();
        nodes.forEach(n -> parts.add(new Proto().bytes(1, n).done()));
        parts.add(new Proto().string(2, "quantized-stack").done());
        parts.add(new Proto().bytes(11, valueInfo("hidden_states", "batch", "16", "frames", "height", "width"))
                .bytes(11, valueInfo("timestep", "batch"))
                .bytes(11, valueInfo("encoder_hidden_states", "batch", "text_length", "" + textDim))
                .bytes(12, valueInfo("noise_pred", "batch", "16", "frames", "height", "width")).done());
        long graph = parts.stream().mapToLong(b -> b.length).sum();
        for (byte[] t : inits) {
            graph += Proto.header(5, t.length).length + t.length;
        }
        out.write(new Proto().varint(1, 8)                                          // ir_version
                .bytes(8, new Proto().string(1, "").varint(2, 17).done())            // opset_import
                .bytes(8, new Proto().string(1, "com.microsoft").varint(2, 1).done()).done());
        out.write(Proto.header(7, graph));
        for (byte[] p : parts) {
            out.write(p);
        }
        for (byte[] t : inits) {
            out.write(Proto.header(5, t.length));
            out.write(t);
        }
    }

    private void node(String op, String domain, List<String> in, List<String> out, byte[] attributes) {
        Proto n = new Proto();
        in.forEach(i -> n.string(1, i));
        out.forEach(o -> n.string(2, o));
        n.string(3, out.get(0) + "_node");
        n.string(4, op);
        n.raw(attributes);
        if (!domain.isEmpty()) {
            n.string(7, domain);
        }
        nodes.add(n.done());
    }

    /** An initializer, inline (raw_data) or in the external-data file (location, offset, length). */
    private void init(String name, long[] dims, int type, byte[] bytes) throws IOException {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, type);
        t.string(8, name);
        if (data == null || bytes.length < 1024) {
            t.bytes(9, bytes);
        } else {
            data.write(bytes);
            t.bytes(13, new Proto().string(1, "location").string(2, dataName).done());
            t.bytes(13, new Proto().string(1, "offset").string(2, "" + offset).done());
            t.bytes(13, new Proto().string(1, "length").string(2, "" + bytes.length).done());
            t.varint(14, 1);
            offset += bytes.length;
        }
        inits.add(t.done());
    }

    /** An AttributeProto of one int, framed as a NodeProto attribute (field 5). */
    private static byte[] attr(String name, long value) {
        return new Proto().bytes(5, new Proto().string(1, name).varint(3, value).varint(20, 2).done()).done();
    }

    private static byte[] valueInfo(String name, String... dims) {
        Proto shape = new Proto();
        for (String d : dims) {
            shape.bytes(1, d.chars().allMatch(Character::isDigit) ? new Proto().varint(1, Long.parseLong(d)).done()
                    : new Proto().string(2, d).done());
        }
        byte[] tensor = new Proto().varint(1, 1).bytes(2, shape.done()).done();
        return new Proto().string(1, name).bytes(2, new Proto().bytes(1, tensor).done()).done();
    }

    private static byte[] floats(float[] f) {
        ByteBuffer b = ByteBuffer.allocate(4 * f.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(f);
        return b.array();
    }

    /** Protobuf's wire format: varint (type 0) and length-delimited (type 2) fields. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long v) {
            write((long) field << 3);
            write(v);
            return this;
        }

        Proto bytes(int field, byte[] b) {
            write((long) field << 3 | 2);
            write(b.length);
            out.writeBytes(b);
            return this;
        }

        Proto string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Proto raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        byte[] done() {
            return out.toByteArray();
        }

        /** The tag and length of a length-delimited field of {@code length} bytes. */
        static byte[] header(int field, long length) {
            Proto p = new Proto();
            p.write((long) field << 3 | 2);
            p.write(length);
            return p.done();
        }

        private void write(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
