package dev.kino.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Float32 tensors in NumPy's {@code .npy} format (version 1.0, little-endian, C order), so latents Kino writes
 * open with {@code numpy.load}. Bytes only: where and how atomically they are stored is the caller's choice.
 */
public final class NpyFormat {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private NpyFormat() {
    }

    /** The {@code .npy} bytes of {@code tensor}. */
    public static byte[] encode(FloatTensor tensor) {
        String shape = Arrays.stream(tensor.shape()).mapToObj(Long::toString)
                .collect(Collectors.joining(", "));
        if (tensor.rank() == 1) {
            shape += ","; // Python's one-element tuple: (4,)
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        float[] data = tensor.data();
        ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + data.length * 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.US_ASCII));
        buf.asFloatBuffer().put(data);
        return buf.array();
    }

    /**
     * The tensor in {@code bytes}; {@code source} names them in the error.
     *
     * @throws IOException when the bytes are not a version 1 little-endian float32 C-order array
     */
    public static FloatTensor decode(byte[] bytes, String source) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        if (!Arrays.equals(magic, MAGIC) || buf.get() != 1) {
            throw new IOException(source + " is not a version 1 .npy file");
        }
        buf.get();
        int headerLength = Short.toUnsignedInt(buf.getShort());
        byte[] header = new byte[headerLength];
        buf.get(header);
        String dict = new String(header, StandardCharsets.US_ASCII);
        Matcher m = SHAPE.matcher(dict);
        if (!dict.contains("'<f4'") || dict.contains("'fortran_order': True") || !m.find()) {
            throw new IOException(source + " does not hold a little-endian float32 array in C order");
        }
        long[] shape = Arrays.stream(m.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        float[] data = new float[Math.toIntExact(FloatTensor.numel(shape))];
        buf.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        return new FloatTensor(shape, data);
    }
}
