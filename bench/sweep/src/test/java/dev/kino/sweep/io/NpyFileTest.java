package dev.kino.sweep.io;

import dev.kino.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyFileTest {

    @Test
    void roundTripsShapeAndValuesExactly(@TempDir Path dir) throws Exception {
        float[] data = {1.5f, -0f, Float.MIN_VALUE, 3e38f, -7.25f, 0.1f};
        FloatTensor t = new FloatTensor(new long[] {1, 2, 3}, data);
        Path file = dir.resolve("x.npy");
        NpyFile.write(file, t);
        FloatTensor back = NpyFile.read(file);
        assertArrayEquals(new long[] {1, 2, 3}, back.shape());
        assertArrayEquals(data, back.data());
    }

    @Test
    void headerIsNumpyFormatOneAlignedTo64Bytes() {
        byte[] bytes = NpyFile.encode(new FloatTensor(new long[] {4}, new float[4]));
        int headerLength = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLength) % 64);
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"), header);
        assertTrue(header.endsWith("\n"));
        assertEquals(10 + headerLength + 16, bytes.length);
    }

    @Test
    void otherFilesAreRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("not.npy");
        Files.writeString(file, "hello, not numpy");
        assertThrows(java.io.IOException.class, () -> NpyFile.read(file));
    }
}
