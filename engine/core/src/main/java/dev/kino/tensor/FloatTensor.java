package dev.kino.tensor;

import java.util.Arrays;

/**
 * A dense row-major float32 tensor: latents {@code [B, C, F, H, W]}, text embeddings {@code [B, L, D]},
 * decoded video {@code [B, 3, F, H, W]}. Kino keeps its own math in float32 arrays and converts at the
 * ONNX boundary.
 */
public final class FloatTensor {
    private final long[] shape;
    private final float[] data;

    /**
     * @param shape the dimensions (copied)
     * @param data  the values, row-major (not copied)
     */
    public FloatTensor(long[] shape, float[] data) {
        if (numel(shape) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold "
                    + data.length + " values");
        }
        this.shape = shape.clone();
        this.data = data;
    }

    /** The number of elements of a shape. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** The size of one axis. */
    public int dim(int axis) {
        return (int) shape[axis];
    }

    /** Number of axes. */
    public int rank() {
        return shape.length;
    }

    /** The backing array (not a copy): callers that must not modify it get a {@link #copy()}. */
    public float[] data() {
        return data;
    }

    /** A deep copy. */
    public FloatTensor copy() {
        return new FloatTensor(shape, data.clone());
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
