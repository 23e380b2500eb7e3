package dev.kino.lora;

import dev.kino.KinoException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights (initializers) of an ONNX graph: names, shapes, element types and where their bytes lie, read
 * straight from the protobuf wire format ({@code ModelProto.graph = 7}, {@code GraphProto.initializer = 5},
 * {@code TensorProto}: dims 1, data_type 2, name 8, raw_data 9, external_data 13, data_location 14).
 *
 * <p>Why by hand: ONNX Runtime's Java API does not list initializers, and the protobuf runtime plus ONNX's
 * generated classes would be two dependencies for the five fields read here. Only the graph file is read
 * (kilobytes to a few MB); the weights stay in the external-data file until {@link #read} asks for one.
 */
final class OnnxInitializers {
    static final int FLOAT = 1;
    static final int FLOAT16 = 10;
    static final int BFLOAT16 = 16;

    /** One initializer: its bytes are {@code length} bytes at {@code offset} of {@code file}. */
    record Initializer(String name, long[] dims, int dataType, Path file, long offset, long length) {
        long numel() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    /** One node: its name (the tracer's scope, e.g. {@code /d2a.0/self_attn/q/MatMul}), op and inputs. */
    record Node(String name, String opType, List<String> inputs, List<String> outputs, Map<String, Long> ints) {
    }

    private final Path graph;
    private final Map<String, Initializer> byName;
    private final List<Node> nodes;

    private OnnxInitializers(Path graph, Map<String, Initializer> byName, List<Node> nodes) {
        this.graph = graph;
        this.byName = byName;
        this.nodes = nodes;
    }

    /** Reads the initializer table of {@code graph}. */
    static OnnxInitializers of(Path graph) {
        try {
            ByteBuffer model = ByteBuffer.wrap(Files.readAllBytes(graph));
            Map<String, Initializer> byName = new LinkedHashMap<>();
            List<Node> nodes = new ArrayList<>();
            while (model.hasRemaining()) {
                long tag = varint(model);
                if (tag >>> 3 == 7 && (tag & 7) == 2) {
                    ByteBuffer g = sub(model);
                    while (g.hasRemaining()) {
                        long gt = varint(g);
                        if (gt >>> 3 == 5 && (gt & 7) == 2) {
                            Initializer init = tensor(sub(g), graph);
                            byName.put(init.name(), init);
                        } else if (gt >>> 3 == 1 && (gt & 7) == 2) {
                            nodes.add(node(sub(g)));
                        } else {
                            skip(g, gt);
                        }
                    }
                } else {
                    skip(model, tag);
                }
            }
            return new OnnxInitializers(graph, Collections.unmodifiableMap(byName), Collections.unmodifiableList(nodes));
        } catch (IOException | RuntimeException e) {
            throw new KinoException("Kino cannot read the weights table of " + graph.getFileName() + " ("
                    + e.getMessage() + "); re-export the model.", e);
        }
    }

    Map<String, Initializer> byName() {
        return byName;
    }

    Path graph() {
        return graph;
    }

    /** The graph's nodes in file order ({@code NodeProto}: input 1, name 3, op_type 4, attribute 5). */
    List<Node> nodes() {
        return nodes;
    }

    /** The initializer's values as float32 (float and float16 initializers). */
    static float[] read(Initializer init) {
        ByteBuffer bytes = ByteBuffer.wrap(readBytes(init)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[Math.toIntExact(init.numel())];
        if (init.dataType() == FLOAT) {
            bytes.asFloatBuffer().get(out);
        } else if (init.dataType() == BFLOAT16) {
            for (int i = 0; i < out.length; i++) {
                out[i] = Float.intBitsToFloat((bytes.getShort() & 0xffff) << 16);
            }
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = ai.onnxruntime.platform.Fp16Conversions.fp16ToFloat(bytes.getShort());
            }
        }
        return out;
    }

    /** {@code values} as bfloat16 bytes (little-endian), rounded to nearest even as the bf16 mode stores them. */
    static byte[] bfloat16(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            int bits = Float.floatToRawIntBits(v);
            b.putShort((short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16));
        }
        return b.array();
    }

    /** The initializer's bytes as stored (little-endian). */
    static byte[] readBytes(Initializer init) {
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(init.length())).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(init.file(), StandardOpenOption.READ)) {
            while (bytes.hasRemaining()) {
                if (ch.read(bytes, init.offset() + bytes.position()) < 0) {
                    throw new KinoException("The weights file " + init.file().getFileName() + " ends before "
                            + init.name() + "; re-export the model.");
                }
            }
        } catch (IOException e) {
            throw new KinoException("Kino cannot read " + init.file() + " (" + e.getMessage() + ").", e);
        }
        return bytes.array();
    }

    private static Initializer tensor(ByteBuffer t, Path graph) {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        String location = null;
        long offset = 0;
        long length = -1;
        long rawAt = -1;
        long rawLength = 0;
        while (t.hasRemaining()) {
            long tag = varint(t);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 0) {
                dims.add(varint(t));
            } else if (field == 1 && wire == 2) {
                ByteBuffer packed = sub(t);
                while (packed.hasRemaining()) {
                    dims.add(varint(packed));
                }
            } else if (field == 2 && wire == 0) {
                dataType = (int) varint(t);
            } else if (field == 8 && wire == 2) {
                name = string(sub(t));
            } else if ((field == 9 || field == 4 || field == 5) && wire == 2) {
                // raw_data, or packed float_data (the same little-endian floats) or int32_data (varints: only
                // ever checked for all zeros, a zero varint being one zero byte); ONNX's helpers write small
                // tensors (the int8 mode's scales and zero points) that way
                ByteBuffer raw = sub(t);
                rawAt = raw.arrayOffset() + raw.position();   // = its offset in the file
                rawLength = raw.remaining();
            } else if (field == 13 && wire == 2) {
                ByteBuffer kv = sub(t);
                String key = null;
                String value = null;
                while (kv.hasRemaining()) {
                    long kt = varint(kv);
                    if (kt >>> 3 == 1) {
                        key = string(sub(kv));
                    } else if (kt >>> 3 == 2) {
                        value = string(sub(kv));
                    } else {
                        skip(kv, kt);
                    }
                }
                if ("location".equals(key)) {
                    location = value;
                } else if ("offset".equals(key)) {
                    offset = Long.parseLong(value);
                } else if ("length".equals(key)) {
                    length = Long.parseLong(value);
                }
            } else {
                skip(t, tag);
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long bytes = dataType == FLOAT ? 4 : dataType == 2 || dataType == 3 ? 1 : 2;   // uint8/int8: 1
        for (long d : shape) {
            bytes *= d;
        }
        if (location != null) {
            return new Initializer(name, shape, dataType, graph.resolveSibling(location), offset,
                    length < 0 ? bytes : length);
        }
        return new Initializer(name, shape, dataType, graph, rawAt, rawLength);   // inline raw_data
    }

    private static Node node(ByteBuffer n) {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        Map<String, Long> ints = new LinkedHashMap<>();
        while (n.hasRemaining()) {
            long tag = varint(n);
            int field = (int) (tag >>> 3);
            if (field == 1 && (tag & 7) == 2) {
                inputs.add(string(sub(n)));
            } else if (field == 2 && (tag & 7) == 2) {
                outputs.add(string(sub(n)));
            } else if (field == 3 && (tag & 7) == 2) {
                name = string(sub(n));
            } else if (field == 4 && (tag & 7) == 2) {
                op = string(sub(n));
            } else if (field == 5 && (tag & 7) == 2) {   // AttributeProto: name 1, i 3 (integer attributes only)
                ByteBuffer a = sub(n);
                String key = null;
                Long value = null;
                while (a.hasRemaining()) {
                    long at = varint(a);
                    if (at >>> 3 == 1 && (at & 7) == 2) {
                        key = string(sub(a));
                    } else if (at >>> 3 == 3 && (at & 7) == 0) {
                        value = varint(a);
                    } else {
                        skip(a, at);
                    }
                }
                if (key != null && value != null) {
                    ints.put(key, value);
                }
            } else {
                skip(n, tag);
            }
        }
        return new Node(name, op, List.copyOf(inputs), List.copyOf(outputs), ints);
    }

    private static long varint(ByteBuffer b) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte x = b.get();
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return v;
            }
        }
        throw new IllegalStateException("malformed varint");
    }

    private static ByteBuffer sub(ByteBuffer b) {
        int n = Math.toIntExact(varint(b));
        ByteBuffer s = b.slice(b.position(), n);
        b.position(b.position() + n);
        return s;
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[b.remaining()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void skip(ByteBuffer b, long tag) {
        switch ((int) (tag & 7)) {
            case 0 -> varint(b);
            case 1 -> b.position(b.position() + 8);
            case 2 -> sub(b);
            case 5 -> b.position(b.position() + 4);
            default -> throw new IllegalStateException("unknown wire type " + (tag & 7));
        }
    }
}
