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
 * Successive {@code torch.randn} calls on one generator, recorded from PyTorch 2.6's scalar CPU kernel
 * ({@code golden/torch_randn_stream.json}, project-generated): every call of every entry must match bit for
 * bit, which pins down how the scalar path's cached second value carries over between calls.
 */
class TorchGeneratorStreamGoldenTest {

    @TestFactory
    Stream<DynamicTest> everySequenceContinuesLikePyTorch() throws IOException {
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/torch_randn_stream.json")) {
            golden = new ObjectMapper().readTree(in);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode entry : golden.get("entries")) {
            long seed = entry.get("seed").asLong();
            tests.add(DynamicTest.dynamicTest("seed " + seed, () -> {
                TorchGenerator g = TorchGenerator.seeded(seed);
                int call = 0;
                for (JsonNode c : entry.get("calls")) {
                    JsonNode values = c.get("values");
                    float[] actual = g.randn(values.size());
                    for (int i = 0; i < actual.length; i++) {
                        float expected = Float.parseFloat(values.get(i).asText());
                        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual[i]),
                                "call " + call + " " + c.get("shape") + " element " + i + ": " + actual[i] + " vs " + expected);
                    }
                    call++;
                }
            }));
        }
        return tests.stream();
    }
}
