package dev.kino.runtime;

import ai.onnxruntime.OnnxJavaType;
import dev.kino.KinoException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a graph's declared inputs and outputs straight from the ONNX protobuf (ModelProto → graph → input/output
 * ValueInfoProto), seeking past nodes' and initializers' bytes, so a graph with gigabytes of embedded weights costs
 * a few reads. Field numbers are those of onnx.proto3.
 */
final class OnnxHeader {
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int TENSOR_NAME = 8;
    private static final int GRAPH_NODE = 1;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_DATA_LOCATION = 14;

    private final FileChannel in;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
    private long pos;   // file position of buf's next byte

    private OnnxHeader(FileChannel in) {
        this.in = in;
        buf.limit(0);
    }

    static GraphSignature read(Path file, String role) {
        return walk(file, role, (r, end) -> r.graph(end, role, file));
    }

    static GraphStats stats(Path file, String role) {
        return walk(file, role, OnnxHeader::stats);
    }

    private interface GraphReader<T> {
        T read(OnnxHeader r, long graphEnd) throws IOException;
    }

    private static <T> T walk(Path file, String role, GraphReader<T> reader) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            OnnxHeader r = new OnnxHeader(ch);
            long end = ch.size();
            while (r.pos < end) {
                long key = r.varint();
                if (key >>> 3 == MODEL_GRAPH && (key & 7) == 2) {
                    long len = r.varint();
                    return reader.read(r, r.pos + len);
                }
                r.skip(key);
            }
            throw new KinoException("The " + role + " file " + file.getFileName() + " holds no graph; export it again.");
        } catch (IOException | RuntimeException e) {
            if (e instanceof KinoException k) {
                throw k;
            }
            throw new KinoException("The " + role + " file " + file + " is not a readable ONNX model (" + e.getMessage()
                    + "); export it again.", e);
        }
    }

    private GraphSignature graph(long end, String role, Path file) throws IOException {
        List<Port> inputs = new ArrayList<>();
        Map<String, Port> outputs = new LinkedHashMap<>();
        Set<String> initializers = new HashSet<>();
        while (pos < end) {
            long key = varint();
            int field = (int) (key >>> 3);
            if ((key & 7) == 2 && (field == GRAPH_INPUT || field == GRAPH_OUTPUT || field == GRAPH_INITIALIZER)) {
                long stop = messageEnd();
                if (field == GRAPH_INITIALIZER) {
                    String name = initializerName(stop);
                    if (name != null) {
                        initializers.add(name);
                    }
                } else {
                    Port p = valueInfo(stop);
                    if (field == GRAPH_INPUT) {
                        inputs.add(p);
                    } else {
                        outputs.put(p.name(), p);
                    }
                }
                seek(stop);
            } else {
                skip(key);
            }
        }
        Map<String, Port> in = new LinkedHashMap<>();
        inputs.stream().filter(p -> !initializers.contains(p.name())).forEach(p -> in.put(p.name(), p));
        return new GraphSignature(role, file, in, outputs);
    }

    /** Initializers' names, dims and types, each node's name and inputs, and the largest num_heads attribute. */
    private GraphStats stats(long end) throws IOException {
        List<GraphStats.Initializer> inits = new ArrayList<>();
        Map<String, List<String>> nodeInputs = new LinkedHashMap<>();
        Map<String, Map<String, Long>> nodeInts = new LinkedHashMap<>();
        int heads = 0;
        while (pos < end) {
            long key = varint();
            int field = (int) (key >>> 3);
            if ((key & 7) == 2 && field == GRAPH_INITIALIZER) {
                long stop = messageEnd();
                inits.add(initializer(stop));
                seek(stop);
            } else if ((key & 7) == 2 && field == GRAPH_NODE) {
                long stop = messageEnd();
                heads = Math.max(heads, node(stop, nodeInputs, nodeInts));
                seek(stop);
            } else {
                skip(key);
            }
        }
        return new GraphStats(inits, nodeInputs, nodeInts, heads);
    }

    /** TensorProto: 1 dims (varints, packed or not), 2 data_type, 8 name, 14 data_location (1: external). */
    private GraphStats.Initializer initializer(long end) throws IOException {
        List<Long> dims = new ArrayList<>();
        int type = 0;
        boolean external = false;
        String name = "";
        while (pos < end) {
            long key = varint();
            if (key == (TENSOR_NAME << 3 | 2)) {
                name = string();
            } else if (key == (TENSOR_DIMS << 3)) {
                dims.add(varint());
            } else if (key == (TENSOR_DIMS << 3 | 2)) {
                long stop = messageEnd();
                while (pos < stop) {
                    dims.add(varint());
                }
            } else if (key == (TENSOR_DATA_TYPE << 3)) {
                type = (int) varint();
            } else if (key == (TENSOR_DATA_LOCATION << 3)) {
                external = varint() == 1;
            } else {
                skip(key);
            }
        }
        return new GraphStats.Initializer(name, dims.stream().mapToLong(Long::longValue).toArray(), type, external);
    }

    /**
     * NodeProto (1 input, 3 name, 4 op_type, 5 attribute → 1 name, 3 i): records its op type and inputs (as
     * {@code [op_type, input...]}) and its integer attributes; returns its num_heads or 0.
     */
    private int node(long end, Map<String, List<String>> nodeInputs, Map<String, Map<String, Long>> nodeInts)
            throws IOException {
        int heads = 0;
        Map<String, Long> ints = new LinkedHashMap<>();
        String nodeName = "";
        String op = "";
        List<String> inputs = new ArrayList<>();
        while (pos < end) {
            long key = varint();
            if (key == (1 << 3 | 2)) {
                inputs.add(string());
            } else if (key == (3 << 3 | 2)) {
                nodeName = string();
            } else if (key == (4 << 3 | 2)) {
                op = string();
            } else if (key == (NODE_ATTRIBUTE << 3 | 2)) {
                long stop = messageEnd();
                String name = "";
                long value = 0;
                boolean isInt = false;
                while (pos < stop) {
                    long k = varint();
                    if (k == (1 << 3 | 2)) {
                        name = string();
                    } else if (k == (3 << 3)) {
                        value = varint();
                        isInt = true;
                    } else {
                        skip(k);
                    }
                }
                if (isInt) {
                    ints.put(name, value);
                }
                if (name.equals("num_heads")) {
                    heads = (int) value;
                }
            } else {
                skip(key);
            }
        }
        inputs.add(0, op);
        nodeInputs.put(nodeName, inputs);
        if (!ints.isEmpty()) {
            nodeInts.put(nodeName, ints);
        }
        return heads;
    }

    private String initializerName(long end) throws IOException {
        while (pos < end) {
            long key = varint();
            if (key >>> 3 == TENSOR_NAME && (key & 7) == 2) {
                return string();
            }
            skip(key);
        }
        return null;
    }

    /** ValueInfoProto: 1 name, 2 type → TypeProto 1 tensor_type → 1 elem_type, 2 shape → 1 dim (1 value, 2 param). */
    private Port valueInfo(long end) throws IOException {
        String name = "";
        int elem = 0;
        List<Long> dims = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (pos < end) {
            long key = varint();
            if (key == (1 << 3 | 2)) {
                name = string();
            } else if (key == (2 << 3 | 2)) {
                long typeEnd = messageEnd();
                while (pos < typeEnd) {
                    long k = varint();
                    if (k == (1 << 3 | 2)) {
                        long tensorEnd = messageEnd();
                        while (pos < tensorEnd) {
                            long t = varint();
                            if (t == (1 << 3)) {
                                elem = (int) varint();
                            } else if (t == (2 << 3 | 2)) {
                                shape(messageEnd(), dims, names);
                            } else {
                                skip(t);
                            }
                        }
                    } else {
                        skip(k);
                    }
                }
            } else {
                skip(key);
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        return new Port(name, type(elem), shape, names.toArray(String[]::new));
    }

    private void shape(long end, List<Long> dims, List<String> names) throws IOException {
        while (pos < end) {
            long key = varint();
            if (key == (1 << 3 | 2)) {
                long dimEnd = messageEnd();
                long value = -1;
                String param = "";
                while (pos < dimEnd) {
                    long k = varint();
                    if (k == (1 << 3)) {
                        value = varint();
                    } else if (k == (2 << 3 | 2)) {
                        param = string();
                    } else {
                        skip(k);
                    }
                }
                dims.add(value);
                names.add(param);
            } else {
                skip(key);
            }
        }
    }

    /** onnx TensorProto.DataType → ONNX Runtime's Java type. */
    private static OnnxJavaType type(int elem) {
        return switch (elem) {
            case 1 -> OnnxJavaType.FLOAT;
            case 2 -> OnnxJavaType.UINT8;
            case 3 -> OnnxJavaType.INT8;
            case 5 -> OnnxJavaType.INT16;
            case 6 -> OnnxJavaType.INT32;
            case 7 -> OnnxJavaType.INT64;
            case 8 -> OnnxJavaType.STRING;
            case 9 -> OnnxJavaType.BOOL;
            case 10 -> OnnxJavaType.FLOAT16;
            case 11 -> OnnxJavaType.DOUBLE;
            case 16 -> OnnxJavaType.BFLOAT16;
            default -> OnnxJavaType.UNKNOWN;
        };
    }

    private void skip(long key) throws IOException {
        switch ((int) (key & 7)) {
            case 0 -> varint();
            case 1 -> seek(pos + 8);
            case 2 -> {
                long len = varint();
                seek(pos + len);
            }
            case 5 -> seek(pos + 4);
            default -> throw new IOException("unsupported protobuf wire type " + (key & 7) + " at byte " + pos);
        }
    }

    /** Reads a length-delimited field's length; returns where the field ends. */
    private long messageEnd() throws IOException {
        long len = varint();
        return pos + len;
    }

    private String string() throws IOException {
        int len = Math.toIntExact(varint());
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = next();
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private long varint() throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = next();
            v |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new IOException("malformed varint at byte " + pos);
    }

    private byte next() throws IOException {
        if (!buf.hasRemaining()) {
            buf.clear();
            in.position(pos);
            if (in.read(buf) <= 0) {
                throw new IOException("the file ends at byte " + pos + " inside the model");
            }
            buf.flip();
        }
        pos++;
        return buf.get();
    }

    /** Moves to {@code target}, within the buffer when it holds it, else by repositioning the file. */
    private void seek(long target) {
        long ahead = target - pos;
        if (ahead >= 0 && ahead <= buf.remaining()) {
            buf.position(buf.position() + (int) ahead);
        } else {
            buf.limit(0);
        }
        pos = target;
    }
}
