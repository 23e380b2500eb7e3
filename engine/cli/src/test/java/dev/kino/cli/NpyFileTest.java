package dev.kino.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kino generate --latents-out}: a NumPy 1.0 file with the latents' shape and float32 values. */
class NpyFileTest {
    @Test
    void writesTheFinalLatentsAsNpy(@TempDir Path tmp) throws Exception {
        Path npy = tmp.resolve("l.npy");
        Cli.Run run = Cli.kino("generate", "a red circle moving right", "--steps", "2", "-q",
                "-o", tmp.resolve("v.mp4").toString(), "--latents-out", npy.toString());
        assertEquals(0, run.exitCode(), run.err());
        byte[] b = Files.readAllBytes(npy);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        int headerLength = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLength) % 64, "data aligned to 64 bytes");
        String header = new String(b, 10, headerLength, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': (1, 8, 8, 8, 8)"), header);
        int floats = (b.length - 10 - headerLength) / 4;
        assertEquals(8 * 8 * 8 * 8, floats);
        ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLength, floats * 4).order(ByteOrder.LITTLE_ENDIAN);
        double sum = 0;
        for (int i = 0; i < floats; i++) {
            float v = data.getFloat();
            assertTrue(Float.isFinite(v));
            sum += Math.abs(v);
        }
        assertTrue(sum > 0, "real latents, not zeros");
    }
}
