package dev.kino;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reference tensors written by the project's Python tools: a JSON index whose {@code tensors} maps a name
 * to {@code {file, dtype, shape}}, each file raw little-endian and row-major.
 */
public final class ReferenceTensors {
    private final Path dir;
    private final JsonNode root;

    public ReferenceTensors(Path indexJson) {
        this.dir = indexJson.getParent();
        try {
            this.root = new ObjectMapper().readTree(indexJson.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode json() {
        return root;
    }

    public boolean has(String name) {
        return root.path("tensors").has(name);
    }

    public long[] shape(String name) {
        JsonNode s = entry(name).path("shape");
        long[] shape = new long[s.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = s.get(i).asLong();
        }
        return shape;
    }

    public float[] floats(String name) {
        ByteBuffer b = bytes(name, "float32");
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    public long[] longs(String name) {
        ByteBuffer b = bytes(name, "int64");
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }

    public byte[] uint8(String name) {
        ByteBuffer b = bytes(name, "uint8");
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** The largest magnitude in {@code a}: the scale relative errors against a reference are taken on. */
    public static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** The largest element-wise difference of two arrays of the same size (a size mismatch throws). */
    public static float maxDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("sizes differ: " + a.length + " vs " + b.length);
        }
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private JsonNode entry(String name) {
        JsonNode e = root.path("tensors").get(name);
        if (e == null) {
            throw new IllegalArgumentException("no reference tensor " + name);
        }
        return e;
    }

    private ByteBuffer bytes(String name, String dtype) {
        JsonNode e = entry(name);
        if (!dtype.equals(e.path("dtype").asText())) {
            throw new IllegalArgumentException(name + " is " + e.path("dtype").asText() + ", not " + dtype);
        }
        try {
            return ByteBuffer.wrap(Files.readAllBytes(dir.resolve(e.path("file").asText()))).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
