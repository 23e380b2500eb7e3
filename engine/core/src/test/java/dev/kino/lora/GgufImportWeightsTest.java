package dev.kino.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.Fixtures;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packages models/quantize/import_gguf.py made from the tiny GGUF Wan checkpoints hold exactly the GGUF
 * file's own dequantized weights: every 2-D weight of {@code wan/gguf/tiny-wan21-*.gguf}, as
 * gguf.quants.dequantize gives it (committed beside the file by make_tiny_gguf.py), equals what the imported
 * denoiser multiplies by, read with Kino's own MatMulNBits decoder ({@link QuantizedWeight}) where the import
 * wrote 4- or 8-bit blocks and as the plain float weight where it dequantized. The fp32 package the import
 * started from holds other values (the tiny model before quantization), so a package that was not imported
 * fails here, and so does a block layout the importer got wrong (nibble order, zero point, transposition).
 */
class GgufImportWeightsTest {
    private static final Path WAN = Fixtures.testResources().resolve("wan");

    @TempDir
    static Path tmp;

    @ParameterizedTest
    @CsvSource({"tiny-wan21-gguf-q8_0, tiny-wan21-q8_0, 23, 8",
                "tiny-wan21-gguf-q4_0, tiny-wan21-q4_0, 22, 4"})
    void theImportedWeightsAreTheGgufFilesDequantizedValues(String pkg, String gguf, int blockLayers, int bits)
            throws IOException {
        Path graph = Fixtures.overlaid(WAN.resolve(pkg), tmp).resolve("denoiser.onnx");
        GraphLinears linears = new GraphLinears(OnnxInitializers.of(graph));
        JsonNode index = new ObjectMapper().readTree(WAN.resolve("gguf").resolve(gguf + ".dequantized.json").toFile());
        ByteBuffer values = ByteBuffer.wrap(Files.readAllBytes(WAN.resolve("gguf").resolve(index.get("values").asText())))
                .order(ByteOrder.LITTLE_ENDIAN);
        int blocks = 0;
        for (JsonNode t : index.get("tensors")) {
            String module = t.get("module").asText();
            int out = t.get("shape").get(0).asInt();
            int in = t.get("shape").get(1).asInt();
            float[] want = new float[out * in];
            values.position(t.get("offset").asInt() * Float.BYTES);
            values.asFloatBuffer().get(want);

            GraphLinears.Linear linear = linears.find(module);
            assertNotNull(linear, module + " is not in " + pkg);
            float[] got = outIn(linear, out, in);
            for (int i = 0; i < want.length; i++) {
                // bit for bit: the blocks hold the file's values exactly, and the dequantized ones are copies
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                        () -> module + " (" + t.get("gguf").asText() + ", " + t.get("type").asText()
                                + ") differs from the GGUF's dequantized value");
            }
            if (linear.quant() != null) {
                blocks++;
                assertEquals(t.get("type").asText(), "Q" + bits + "_0", module + " holds blocks but the file's type is not");
            }
        }
        // Q8_0/Q4_0 matrices of a MatMul become MatMulNBits blocks; the Gemms of the time embedder (3) are
        // dequantized, and the Q4_0 file's one Q5_0 matrix (blocks.1.ffn.net.2) too
        assertEquals(blockLayers, blocks, pkg + ": layers held as " + bits + "-bit blocks");
        assertTrue(index.get("tensors").size() > blockLayers);
    }

    /** The layer's weight in float32, PyTorch's [out, in] layout. */
    private static float[] outIn(GraphLinears.Linear linear, int out, int in) {
        if (linear.quant() != null) {
            return linear.quant().dequantize();   // MatMulNBits: [out, in] already
        }
        float[] w = OnnxInitializers.read(linear.weight());
        if (!linear.transposed()) {
            return w;
        }
        float[] t = new float[w.length];
        for (int k = 0; k < in; k++) {
            for (int n = 0; n < out; n++) {
                t[n * in + k] = w[k * out + n];
            }
        }
        return t;
    }
}
