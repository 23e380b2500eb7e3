package dev.kino.bench.io;

import dev.kino.tensor.FloatTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Float32 tensors as NumPy {@code .npy} files (format 1.0, little-endian, C order), so that a reference's
 * latents can be cached between runs and also opened with {@code numpy.load} for analysis.
 */
public final class NpyFile {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private NpyFile() {
    }

    public static void write(Path target, FloatTensor tensor) {
        AtomicFiles.write(target, temp -> Files.write(temp, encode(tensor)));
    }

    static byte[] encode(FloatTensor tensor) {
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

    public static FloatTensor read(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        if (!Arrays.equals(magic, MAGIC) || buf.get() != 1) {
            throw new IOException(file + " is not a version 1 .npy file");
        }
        buf.get();
        int headerLength = Short.toUnsignedInt(buf.getShort());
        byte[] header = new byte[headerLength];
        buf.get(header);
        String dict = new String(header, StandardCharsets.US_ASCII);
        Matcher m = SHAPE.matcher(dict);
        if (!dict.contains("'<f4'") || dict.contains("'fortran_order': True") || !m.find()) {
            throw new IOException(file + " does not hold a little-endian float32 array in C order");
        }
        long[] shape = Arrays.stream(m.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        float[] data = new float[Math.toIntExact(FloatTensor.numel(shape))];
        buf.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        return new FloatTensor(shape, data);
    }
}
