package dev.kino.wan;

import dev.kino.Fixtures;
import dev.kino.model.ModelPackage;
import dev.kino.model.Weights;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packages written by models/quantize/quantize_package.py from tiny-wan21 (the int8 and 4-bit denoisers,
 * committed as overlays of tiny-wan21's folder) load in Kino's ONNX Runtime and render close to the fp32
 * package, and hold what their manifests say: the denoiser file runs the kernels of its {@code weights}
 * format and not the other's, and its video differs from the fp32 one (an fp32 graph under a quantized
 * manifest would render identically and fail here). The bounds are the measured figures (printed) with
 * headroom: int8 measured 56.7 dB frames / 0.30% latents, w4 49.6 dB / 0.99% (models/quantize/README.md).
 */
public class QuantizedWanTest {
    private static final Path WAN = Fixtures.testResources().resolve("wan");
    private static GenerationResult reference;

    @TempDir
    static Path tmp;

    /** tiny-wan21's fp32 render of {@link #request()}, rendered once for every test class that compares with it. */
    static synchronized GenerationResult fp32Reference() {
        if (reference == null) {
            try (TextToVideoPipeline fp32 = TextToVideoPipeline.load(WAN.resolve("tiny-wan21"), Device.CPU)) {
                reference = fp32.generate(request(), e -> true);
            }
        }
        return reference;
    }

    static GenerationRequest request() {
        return GenerationRequest.builder("A red fox runs through fresh snow at dawn.").seed(42L).steps(4)
                .frames(9).width(48).height(32).build();
    }

    @ParameterizedTest
    @CsvSource({"tiny-wan21-int8, int8, MatMulInteger, MatMulNBits, 50, 0.01",
                "tiny-wan21-w4, int4-weight-only, MatMulNBits, MatMulInteger, 43, 0.03"})
    void rendersWithinItsBoundOfFp32AndHoldsWhatItsManifestSays(String name, String format, String kernel,
                                                                 String notKernel, double minPsnrDb,
                                                                 double maxLatentDistance) throws IOException {
        Path pkg = Fixtures.overlaid(WAN.resolve(name), tmp);
        Weights w = ModelPackage.open(pkg).manifest().denoiser().weights();
        assertEquals(format, w.format());
        assertTrue(w.keptFp32().contains("/proj_out/MatMul"), "the output head stays fp32: " + w.keptFp32());
        assertGraphRuns(pkg, name, kernel, notKernel);
        assertNearFp32(fp32Reference(), pkg, request(), name + " against tiny-wan21", minPsnrDb, maxLatentDistance,
                "its graph is not quantized");
    }

    /** The package's denoiser names {@code kernel} and not {@code notKernel} (ONNX stores op types as plain strings). */
    public static void assertGraphRuns(Path pkg, String name, String kernel, String notKernel) throws IOException {
        String graph = new String(Files.readAllBytes(pkg.resolve("denoiser.onnx")), StandardCharsets.ISO_8859_1);
        assertTrue(graph.contains(kernel), name + " should run " + kernel);
        assertFalse(graph.contains(notKernel), name + " should not run " + notKernel);
    }

    /**
     * Renders {@code pkg}, prints how far it is from the fp32 {@code reference}, and asserts it is not the same
     * video ({@code whyExact} says what that would mean) but within both bounds.
     */
    public static void assertNearFp32(GenerationResult reference, Path pkg, GenerationRequest request, String label,
                                      double minPsnrDb, double maxLatentDistance, String whyExact) {
        GenerationResult got;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(pkg, Device.CPU)) {
            got = kino.generate(request, e -> true);
        }
        double psnr = framePsnr(reference, got);
        double distance = latentDistance(reference.latents().data(), got.latents().data());
        System.out.printf(Locale.ROOT, "%s fp32: frames %.1f dB, latents %.5f relative%n", label, psnr, distance);
        assertTrue(distance > 0, label + " rendered exactly the fp32 latents: " + whyExact);
        assertTrue(psnr >= minPsnrDb, label + ": frames " + psnr + " dB from fp32, bound " + minPsnrDb);
        assertTrue(distance <= maxLatentDistance, label + ": latents " + distance + " from fp32, bound "
                + maxLatentDistance);
    }

    /** PSNR of 8-bit frames over the whole clip (peak 255). */
    public static double framePsnr(GenerationResult a, GenerationResult b) {
        double se = 0;
        long n = 0;
        for (int i = 0; i < a.frames().count(); i++) {
            byte[] x = a.frames().frame(i);
            byte[] y = b.frames().frame(i);
            for (int j = 0; j < x.length; j++) {
                double d = (x[j] & 0xFF) - (y[j] & 0xFF);
                se += d * d;
            }
            n += x.length;
        }
        return se == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / (se / n));
    }

    /** ||a - b|| / ||a||. */
    public static double latentDistance(float[] a, float[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (double) (a[i] - b[i]);
            norm += a[i] * (double) a[i];
        }
        return Math.sqrt(diff / norm);
    }
}
