package dev.kino.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Seed parity with PyTorch: every entry of {@code golden/torch_randn.json} (recorded from
 * {@code torch.randn} on a CPU generator) is replayed, so new entries drop in without code changes. Values
 * must equal PyTorch's scalar kernel bit for bit and its AVX2 kernel within the README's 4e-6.
 */
class TorchGeneratorGoldenTest {
    /** README: the AVX2 kernel's approximate vector math differs from the scalar kernel by up to 1.8e-6. */
    private static final double VECTOR_KERNEL_TOLERANCE = 4e-6;

    private static JsonNode golden() throws IOException {
        try (InputStream in = TorchGeneratorGoldenTest.class.getResourceAsStream("/golden/torch_randn.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).isNull() ? Float.NaN : Float.parseFloat(array.get(i).asText());
        }
        return out;
    }

    private static int numel(JsonNode shape) {
        int n = 1;
        for (JsonNode d : shape) {
            n *= d.asInt();
        }
        return n;
    }

    /** Draws a fresh generator's output for one entry ({@code randn} or {@code rand}). */
    private static float[] draw(JsonNode entry) {
        TorchGenerator g = TorchGenerator.seeded(entry.get("seed").asLong());
        float[] out = new float[numel(entry.get("shape"))];
        switch (entry.get("fn").asText()) {
            case "randn" -> g.randn(out);
            case "rand" -> g.rand(out);
            default -> throw new AssertionError("unknown fn " + entry.get("fn"));
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyEntryMatchesPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode entry : golden().get("entries")) {
            String name = entry.get("fn").asText() + " seed " + entry.get("seed") + " shape " + entry.get("shape");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                float[] actual = draw(entry);
                float[] scalar = floats(entry.get("values_scalar_kernel"));
                float[] vector = floats(entry.get("values"));
                assertEquals(scalar.length, actual.length, "element count");
                for (int i = 0; i < actual.length; i++) {
                    assertEquals(Float.floatToIntBits(scalar[i]), Float.floatToIntBits(actual[i]),
                            name + " element " + i + ": " + actual[i] + " vs scalar kernel " + scalar[i]);
                    assertEquals(vector[i], actual[i], VECTOR_KERNEL_TOLERANCE, name + " element " + i + " vs AVX2");
                }
            }));
        }
        return tests.stream();
    }

}
