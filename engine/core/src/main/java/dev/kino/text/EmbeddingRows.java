package dev.kino.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * How many token ids a text encoder's embedding table holds, read from the ONNX file itself: the first
 * dimension of the initializer that a {@code Gather} node indexes with the token-id input. A tokenizer from
 * another model yields ids past that table, which ONNX Runtime reports only mid-run as a Gather out-of-bounds
 * error; with this number the mismatch is caught at load.
 *
 * <p>A minimal protobuf walk (ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto.input = 1,
 * op_type = 4; TensorProto.dims = 1, name = 8) over a read-only memory map: weights are skipped, not read, so
 * a multi-gigabyte graph costs milliseconds.
 */
final class EmbeddingRows {
    private EmbeddingRows() {
    }

    /** Rows of the embedding table that {@code idsInput} indexes, or -1 when the graph does not show one. */
    static long of(Path onnxFile, String idsInput) {
        try (FileChannel ch = FileChannel.open(onnxFile, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                return -1; // protobuf files stop at 2 GB; bigger weights live in .onnx_data
            }
            MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            ByteBuffer graph = field(buf, 7);
            if (graph == null) {
                return -1;
            }
            String table = null;
            Map<String, Long> firstDims = new HashMap<>();
            while (graph.hasRemaining()) {
                long key = varint(graph);
                int number = (int) (key >>> 3);
                int wire = (int) (key & 7);
                if (wire != 2) {
                    skip(graph, wire);
                    continue;
                }
                ByteBuffer sub = slice(graph);
                if (number == 1 && table == null) {
                    table = gatherTable(sub, idsInput);
                } else if (number == 5) {
                    tensor(sub, firstDims);
                }
            }
            return table != null && firstDims.containsKey(table) ? firstDims.get(table) : -1;
        } catch (IOException | RuntimeException e) {
            return -1; // not a graph this reader understands: ONNX Runtime's own checks still apply
        }
    }

    /** For a Gather node whose indices are {@code idsInput}: the name of its data input; else null. */
    private static String gatherTable(ByteBuffer node, String idsInput) {
        String op = null;
        java.util.List<String> inputs = new java.util.ArrayList<>();
        while (node.hasRemaining()) {
            long key = varint(node);
            int wire = (int) (key & 7);
            int number = (int) (key >>> 3);
            if (wire != 2) {
                skip(node, wire);
            } else if (number == 1) {
                inputs.add(string(slice(node)));
            } else if (number == 4) {
                op = string(slice(node));
            } else {
                slice(node);
            }
        }
        return "Gather".equals(op) && inputs.size() == 2 && inputs.get(1).equals(idsInput) ? inputs.get(0) : null;
    }

    private static void tensor(ByteBuffer t, Map<String, Long> firstDims) {
        Long first = null;
        String name = null;
        while (t.hasRemaining()) {
            long key = varint(t);
            int wire = (int) (key & 7);
            int number = (int) (key >>> 3);
            if (number == 1 && wire == 0) {
                long d = varint(t);
                first = first == null ? d : first;
            } else if (number == 1 && wire == 2) {
                ByteBuffer packed = slice(t);
                if (packed.hasRemaining() && first == null) {
                    first = varint(packed);
                }
            } else if (number == 8 && wire == 2) {
                name = string(slice(t));
            } else {
                skip(t, wire);
            }
        }
        if (name != null && first != null) {
            firstDims.put(name, first);
        }
    }

    private static ByteBuffer field(ByteBuffer buf, int wanted) {
        while (buf.hasRemaining()) {
            long key = varint(buf);
            int wire = (int) (key & 7);
            if ((int) (key >>> 3) == wanted && wire == 2) {
                return slice(buf);
            }
            skip(buf, wire);
        }
        return null;
    }

    private static ByteBuffer slice(ByteBuffer buf) {
        int length = Math.toIntExact(varint(buf));
        ByteBuffer s = buf.slice(buf.position(), length);
        buf.position(buf.position() + length);
        return s;
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void skip(ByteBuffer buf, int wire) {
        switch (wire) {
            case 0 -> varint(buf);
            case 1 -> buf.position(buf.position() + 8);
            case 2 -> slice(buf);
            case 5 -> buf.position(buf.position() + 4);
            default -> throw new IllegalArgumentException("wire type " + wire);
        }
    }

    private static long varint(ByteBuffer buf) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = buf.get();
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("bad varint");
    }
}
