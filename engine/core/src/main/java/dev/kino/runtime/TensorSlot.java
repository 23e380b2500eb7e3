package dev.kino.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.platform.Fp16Conversions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * A tensor allocated once and reused across runs: a direct native-order buffer that ONNX Runtime reads
 * inputs from and writes pinned outputs into. Kino's own math is float32; this is where it is converted
 * to the graph's element type (fp16 graphs get fp16 here, from the session's declared types).
 */
public final class TensorSlot implements AutoCloseable {
    private final OnnxJavaType type;
    private final long[] shape;
    private final int size;
    private final ByteBuffer bytes;
    private final OnnxTensor tensor;

    private TensorSlot(OnnxJavaType type, long[] shape, int size, ByteBuffer bytes, OnnxTensor tensor) {
        this.type = type;
        this.shape = shape;
        this.size = size;
        this.bytes = bytes;
        this.tensor = tensor;
    }

    static TensorSlot allocate(OrtEnvironment env, OnnxJavaType type, long[] shape) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        if (count > Integer.MAX_VALUE / 8) {
            throw new IllegalArgumentException("tensor too large for one buffer: " + java.util.Arrays.toString(shape));
        }
        int size = (int) count;
        try {
            ByteBuffer bytes;
            OnnxTensor tensor;
            switch (type) {
                case FLOAT -> {
                    bytes = direct(size * 4L);
                    tensor = OnnxTensor.createTensor(env, bytes.asFloatBuffer(), shape);
                }
                case FLOAT16 -> {
                    bytes = direct(size * 2L);
                    tensor = OnnxTensor.createTensor(env, bytes.asShortBuffer(), shape, OnnxJavaType.FLOAT16);
                }
                case INT64 -> {
                    bytes = direct(size * 8L);
                    tensor = OnnxTensor.createTensor(env, bytes.asLongBuffer(), shape);
                }
                default -> throw new IllegalArgumentException("unsupported tensor type " + type);
            }
            return new TensorSlot(type, shape.clone(), size, bytes, tensor);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot allocate a tensor of " + java.util.Arrays.toString(shape), e);
        }
    }

    private static ByteBuffer direct(long n) {
        return ByteBuffer.allocateDirect((int) n).order(ByteOrder.nativeOrder());
    }

    /** The native tensor to pass to a run. */
    public OnnxTensor tensor() {
        return tensor;
    }

    /** The tensor's shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public int size() {
        return size;
    }

    /** The element type. */
    public OnnxJavaType type() {
        return type;
    }

    /** Copies {@code length} floats from {@code src[srcOffset]} to element {@code offset}, converting to the slot's type. */
    public void put(float[] src, int srcOffset, int offset, int length) {
        switch (type) {
            case FLOAT -> {
                FloatBuffer fb = bytes.asFloatBuffer();
                fb.position(offset);
                fb.put(src, srcOffset, length);
            }
            case FLOAT16 -> {
                ShortBuffer sb = bytes.asShortBuffer();
                for (int i = 0; i < length; i++) {
                    sb.put(offset + i, Fp16Conversions.floatToFp16(src[srcOffset + i]));
                }
            }
            case INT64 -> {
                LongBuffer lb = bytes.asLongBuffer();
                for (int i = 0; i < length; i++) {
                    lb.put(offset + i, (long) src[srcOffset + i]);
                }
            }
            default -> throw new IllegalStateException(type.toString());
        }
    }

    /** Fills every element with {@code value} (timesteps: one value per batch entry). */
    public void fill(double value) {
        for (int i = 0; i < size; i++) {
            switch (type) {
                case FLOAT -> bytes.putFloat(i * 4, (float) value);
                case FLOAT16 -> bytes.putShort(i * 2, Fp16Conversions.floatToFp16((float) value));
                case INT64 -> bytes.putLong(i * 8, (long) value);
                default -> throw new IllegalStateException(type.toString());
            }
        }
    }

    /** Copies integer values (token ids, attention masks) into an int64 slot. */
    public void put(long[] src, int offset) {
        if (type != OnnxJavaType.INT64) {
            throw new IllegalStateException("not an int64 tensor: " + type);
        }
        LongBuffer lb = bytes.asLongBuffer();
        lb.position(offset);
        lb.put(src);
    }

    /** Copies {@code length} elements starting at {@code offset} into {@code dst[dstOffset]} as float32. */
    public void get(int offset, float[] dst, int dstOffset, int length) {
        switch (type) {
            case FLOAT -> {
                FloatBuffer fb = bytes.asFloatBuffer();
                fb.position(offset);
                fb.get(dst, dstOffset, length);
            }
            case FLOAT16 -> {
                ShortBuffer sb = bytes.asShortBuffer();
                for (int i = 0; i < length; i++) {
                    dst[dstOffset + i] = Fp16Conversions.fp16ToFloat(sb.get(offset + i));
                }
            }
            default -> throw new IllegalStateException("cannot read " + type + " as float");
        }
    }

    @Override
    public void close() {
        tensor.close();
    }
}
