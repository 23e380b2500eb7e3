package dev.kino.hunyuan;

import dev.kino.Fixtures;
import dev.kino.model.ModelPackage;
import dev.kino.model.Weights;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.wan.QuantizedWanTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HunyuanVideo 1.5 packages written by models/quantize/quantize_package.py from tiny-hunyuan (the int8, w8 and
 * fp16 denoisers, committed as overlays of tiny-hunyuan's folder) load in Kino's ONNX Runtime, run the kernels
 * their manifests' {@code weights} say, and render close to the fp32 package but not identically (an fp32 graph
 * under a quantized manifest would fail). Bounds: the measured figures of {@code kino bench precision}
 * (models/quantize/README.md: int8 57.6 dB worst clip / 0.27 % latents, w8 65.6 / 0.037 %, fp16 68.6 / 0.014 %)
 * with headroom.
 */
class HunyuanQuantizedTest {
    private static final Path DIR = Fixtures.testResources().resolve("hunyuan");
    private static GenerationResult reference;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void renderFp32() {
        try (TextToVideoPipeline fp32 = TextToVideoPipeline.load(DIR.resolve("tiny-hunyuan"), Device.CPU)) {
            reference = fp32.generate(request(), e -> true);
        }
    }

    private static GenerationRequest request() {
        return GenerationRequest.builder("A red fox runs through fresh snow at dawn.").seed(1L).build();
    }

    @ParameterizedTest
    @CsvSource({"tiny-hunyuan-int8, int8, MatMulInteger, MatMulNBits, 50, 0.01",
                "tiny-hunyuan-w8, int8-weight-only, MatMulNBits, MatMulInteger, 58, 0.002",
                "tiny-hunyuan-fp16, fp16, MatMul, MatMulNBits, 62, 0.001"})
    void rendersWithinItsBoundOfFp32(String name, String format, String kernel, String notKernel, double minPsnrDb,
                                     double maxLatentDistance) throws IOException {
        Path pkg = Fixtures.overlaid(DIR.resolve(name), tmp);
        Weights w = ModelPackage.open(pkg).manifest().denoiser().weights();
        assertEquals(format, w.format());
        assertTrue(w.keptFp32().contains("/proj_out/MatMul"), "the output head stays fp32: " + w.keptFp32());
        QuantizedWanTest.assertGraphRuns(pkg, name, kernel, notKernel);
        QuantizedWanTest.assertNearFp32(reference, pkg, request(), name + " against tiny-hunyuan", minPsnrDb,
                maxLatentDistance, "its graph is not converted");
    }
}
