package dev.kino.denoise;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.noise.TorchGenerator;
import dev.kino.schedule.Scheduler;
import dev.kino.schedule.Schedulers;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The latents the loop starts from, against diffusers' {@code randn_tensor(shape, generator) *
 * scheduler.init_noise_sigma} (golden/initial_latents_kino.json, models/reference/make_initial_latents.py):
 * Euler's {@code init_noise_sigma} is 8 to 15, so scaling skipped or inverted shows at once; DDIM's 1 is the
 * control. Bit for bit, with the AVX2 kernel the reference was drawn with.
 */
class InitialLatentsTest {

    @TestFactory
    List<DynamicTest> initialLatentsEqualDiffusersRandnTimesInitNoiseSigma() throws IOException {
        JsonNode golden;
        try (InputStream in = InitialLatentsTest.class.getResourceAsStream("/golden/initial_latents_kino.json")) {
            golden = new ObjectMapper().readTree(in);
        }
        assertEquals("AVX2", golden.path("provenance").path("torch_cpu_capability").asText());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : golden.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> check(c)));
        }
        return tests;
    }

    @SuppressWarnings("unchecked")
    private static void check(JsonNode c) {
        Scheduler scheduler = Schedulers.fromConfig(new ObjectMapper().convertValue(c.get("config"), Map.class));
        scheduler.setTimesteps(c.get("num_inference_steps").asInt(), 0);
        float sigma = (float) c.get("init_noise_sigma").asDouble();
        assertEquals(sigma, scheduler.initNoiseSigma(), "init_noise_sigma");
        long[] shape = new long[c.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = c.get("shape").get(i).asLong();
        }
        float[] latents = DenoisingLoop.initialLatents(shape,
                TorchGenerator.seeded(c.get("seed").asLong(), TorchGenerator.Kernel.AVX2), scheduler.initNoiseSigma());
        JsonNode expected = c.get("latents");
        assertEquals(expected.size(), latents.length, "element count");
        for (int i = 0; i < latents.length; i++) {
            float want = (float) expected.get(i).asDouble();
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(latents[i]),
                    c.get("name").asText() + " element " + i + ": " + latents[i] + " vs diffusers " + want);
        }
    }
}
