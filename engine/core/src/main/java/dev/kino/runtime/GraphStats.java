package dev.kino.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a graph's file says about its size without loading it: the shape and element type of every initializer
 * (its weights) and the largest {@code num_heads} an attention node declares. Read from the ONNX header
 * ({@link OnnxHeader}) with no ONNX Runtime session, for the memory plan.
 *
 * @param initializers every initializer's name, dimensions and ONNX element type
 * @param nodeInputs   each node's op type followed by its input names, by node name
 * @param nodeInts     each node's integer attributes (e.g. MatMulNBits' {@code bits}, {@code block_size},
 *                     {@code accuracy_level}), by node name; nodes without any are left out
 * @param heads        the largest {@code num_heads} attribute of the graph's nodes, 0 when none declares one
 */
public record GraphStats(List<Initializer> initializers, Map<String, List<String>> nodeInputs,
                         Map<String, Map<String, Long>> nodeInts, int heads) {

    /**
     * One initializer: its name, dimensions, its ONNX {@code TensorProto.DataType} and whether its bytes are in an
     * external-data file (ONNX Runtime maps those) rather than inline in the graph file.
     */
    public record Initializer(String name, long[] dims, int dataType, boolean external) {

        /** Elements it holds (1 for a scalar). */
        public long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        /** Bytes one element takes in memory (int4 as half a byte is counted as its packed uint8 holder). */
        public double bytesPerElement() {
            return switch (dataType) {
                case 2, 3, 9 -> 1;       // uint8, int8, bool
                case 4, 5, 10, 16 -> 2;  // uint16, int16, float16, bfloat16
                case 7, 11, 13 -> 8;     // int64, double, uint64
                case 21, 22 -> 0.5;      // uint4, int4
                default -> 4;            // float, int32, uint32
            };
        }

        public boolean isFloat() {
            return dataType == 1 || dataType == 10 || dataType == 16 || dataType == 11;
        }
    }

    public GraphStats {
        initializers = List.copyOf(initializers);
        nodeInputs = Map.copyOf(nodeInputs);
        nodeInts = Map.copyOf(nodeInts);
    }

    /** The initializers a MatMul-family node (MatMul, MatMulInteger, MatMulNBits) takes as its weight (input B). */
    public java.util.Set<String> matmulWeights() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (List<String> node : nodeInputs.values()) {
            if (node.size() > 2 && node.get(0).startsWith("MatMul")) {
                names.add(node.get(2));
            }
        }
        return names;
    }

    /** Bytes of all initializers as ONNX Runtime holds them. */
    public long weightBytes() {
        double b = 0;
        for (Initializer i : initializers) {
            b += i.elements() * i.bytesPerElement();
        }
        return (long) b;
    }

    /**
     * Reads the initializers and attention heads of {@code file}.
     *
     * @throws dev.kino.KinoException (one sentence) when the file is not an ONNX model
     */
    public static GraphStats read(Path file, String role) {
        return OnnxHeader.stats(file, role);
    }
}
