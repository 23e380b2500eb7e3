package dev.kino.runtime;

import ai.onnxruntime.OnnxJavaType;

/**
 * One input or output of an ONNX graph as the graph itself declares it. A dimension of -1 is dynamic;
 * {@code dimNames} holds the symbolic names (e.g. "batch") where the exporter gave them.
 */
public record Port(String name, OnnxJavaType type, long[] shape, String[] dimNames) {

    /** Number of axes. */
    public int rank() {
        return shape.length;
    }

    /** Whether the graph leaves this axis's size open. */
    public boolean isDynamic(int axis) {
        return shape[axis] < 0;
    }

    /** ONNX's name for the element type: float32, float16, int64, ... */
    public String typeName() {
        return typeName(type);
    }

    /** An element type as users read it (e.g. {@code float32}). */
    public static String typeName(OnnxJavaType type) {
        return switch (type) {
            case FLOAT -> "float32";
            case FLOAT16 -> "float16";
            case BFLOAT16 -> "bfloat16";
            case DOUBLE -> "float64";
            case INT64 -> "int64";
            case INT32 -> "int32";
            default -> type.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** E.g. {@code sample: float32[batch, 4, frames, height, width]}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(name).append(": ").append(typeName()).append('[');
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            if (shape[i] >= 0) {
                sb.append(shape[i]);
            } else {
                String n = dimNames != null && i < dimNames.length ? dimNames[i] : "";
                sb.append(n == null || n.isEmpty() ? "?" : n);
            }
        }
        return sb.append(']').toString();
    }
}
