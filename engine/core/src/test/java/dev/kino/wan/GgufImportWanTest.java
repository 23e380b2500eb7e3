package dev.kino.wan;

import dev.kino.Fixtures;
import dev.kino.model.ModelPackage;
import dev.kino.model.Weights;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packages models/quantize/import_gguf.py made from GGUF Wan checkpoints (the tiny Wan 2.1 weights written by
 * make_tiny_gguf.py as city96's ComfyUI files are, in Q8_0 and in Q4_0 with one Q5_0 matrix; committed as
 * overlays of tiny-wan21's folder) load in Kino's ONNX Runtime, say in their manifest what they hold, and render
 * close to the fp32 package the GGUF was written from. Their video differs from the fp32 one (the fp32 graph under
 * an imported manifest would render identically and fail here). The bounds are the measured figures (printed)
 * with headroom (measured: Q8_0 59.4 dB frames / 0.21% latents, Q4_0 41.5 dB / 3.5%); a GGUF file quantizes
 * every matrix, the output head and embedders included, so its loss is
 * larger than models/quantize's own w8/w4, which keep those in fp32 (models/quantize/README.md).
 * {@code dev.kino.lora.GgufImportWeightsTest} checks the weights themselves against the file's.
 */
public class GgufImportWanTest {
    private static final Path WAN = Fixtures.testResources().resolve("wan");
    @TempDir
    static Path tmp;

    @ParameterizedTest
    @CsvSource({"tiny-wan21-gguf-q8_0, int8-weight-only, w8, '', 52, 0.01",
                "tiny-wan21-gguf-q4_0, int4-weight-only, w4, /blocks.1/ffn/net.2/MatMul, 35, 0.08"})
    void rendersWithinItsBoundOfFp32AndSaysItWasImported(String name, String format, String mode, String floatLayer,
                                                        double minPsnrDb, double maxLatentDistance) throws IOException {
        Path pkg = Fixtures.overlaid(WAN.resolve(name), tmp);
        Weights w = ModelPackage.open(pkg).manifest().denoiser().weights();
        assertEquals(format, w.format());
        assertEquals(mode, w.mode());
        assertEquals(32, w.blockSize());
        assertTrue(w.method().startsWith("GGUF import"), w.method());
        // the MatMuls whose GGUF type MatMulNBits cannot hold (the Q4_0 file's one Q5_0 matrix) are float
        assertEquals(floatLayer.isEmpty() ? List.of() : List.of(floatLayer), w.keptFp32());
        QuantizedWanTest.assertGraphRuns(pkg, name, "MatMulNBits", "MatMulInteger");
        QuantizedWanTest.assertNearFp32(QuantizedWanTest.fp32Reference(), pkg, QuantizedWanTest.request(),
                name + " against tiny-wan21", minPsnrDb,
                maxLatentDistance, "its weights are not the GGUF's");
    }
}
