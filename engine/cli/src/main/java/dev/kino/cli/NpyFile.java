package dev.kino.cli;

import dev.kino.KinoException;
import dev.kino.tensor.FloatTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writes a float tensor as a NumPy {@code .npy} file (format 1.0, little-endian float32, C order). */
final class NpyFile {
    private NpyFile() {
    }

    static void write(FloatTensor t, Path file) {
        String shape = Arrays.stream(t.shape()).mapToObj(Long::toString).collect(Collectors.joining(", "))
                + (t.shape().length == 1 ? "," : "");
        StringBuilder header = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
        float[] data = t.data();
        ByteBuffer buf = ByteBuffer.allocate(10 + h.length + data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) h.length).put(h);
        buf.asFloatBuffer().put(data);
        Path target = file.toAbsolutePath().normalize();
        Path temp = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            Files.write(temp, buf.array());
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new KinoException("Cannot write the latents to " + target + ": " + e.getMessage()
                    + "; choose another --latents-out path.", e);
        }
    }
}
