package dev.kino.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.Fixtures;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole guided run with Euler, whose initial noise is scaled by {@code init_noise_sigma = sqrt(sigma_max² + 1)}
 * (3.1 here; every other pipeline test runs a scheduler whose scale is 1), against diffusers'
 * TextToVideoSDPipeline loop with the real EulerDiscreteScheduler on the same ONNX graphs
 * (golden/pipeline_euler_kino.json, models/reference/make_euler_pipeline_reference.py).
 */
class EulerPipelineParityTest {
    /** onnxruntime 1.21 in Python against 1.29 here: the same graph, a few float32 roundings apart. */
    private static final float TOLERANCE = 1e-4f;

    private static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.get(i).asDouble();
        }
        return out;
    }

    @Test
    void eulerRunMatchesDiffusersStepByStep() throws IOException {
        JsonNode ref;
        try (InputStream in = EulerPipelineParityTest.class.getResourceAsStream("/golden/pipeline_euler_kino.json")) {
            ref = new ObjectMapper().readTree(in);
        }
        JsonNode r = ref.get("request");
        GenerationRequest request = GenerationRequest.builder(r.get("prompt").asText())
                .negativePrompt(r.get("negative_prompt").asText()).seed(r.get("seed").asLong())
                .steps(r.get("steps").asInt()).frames(r.get("frames").asInt()).width(r.get("width").asInt())
                .height(r.get("height").asInt()).guidance(r.get("guidance").asDouble()).scheduler("euler")
                .noiseKernel(dev.kino.noise.TorchGenerator.Kernel.AVX2).build();
        List<float[]> afterStep = new ArrayList<>();
        GenerationResult result;
        try (TextToVideoPipeline p = TextToVideoPipeline.load(Fixtures.dir(Fixtures.UNET), Device.CPU)) {
            GenerationPlan plan = p.plan(request);
            double[] timesteps = new double[ref.get("steps").size()];
            for (int i = 0; i < timesteps.length; i++) {
                timesteps[i] = ref.get("steps").get(i).get("timestep").asDouble();
            }
            assertArrayEquals(timesteps, plan.timesteps(), "Euler on the package's leading spacing");
            result = p.generate(plan, e -> afterStep.add(e.latents().copy()));
        }
        assertArrayEquals(new long[] {1, 4, 4, 4, 4}, result.latents().shape());
        for (int i = 0; i < afterStep.size(); i++) {
            float[] want = floats(ref.get("steps").get(i).get("latents"));
            float[] got = afterStep.get(i);
            float scale = 1f;
            float diff = 0f;
            for (int j = 0; j < want.length; j++) {
                scale = Math.max(scale, Math.abs(want[j]));
                diff = Math.max(diff, Math.abs(want[j] - got[j]));
            }
            assertTrue(diff <= TOLERANCE * scale, "step " + i + ": max diff " + diff + " (largest value " + scale + ")");
        }
        assertEquals(ref.get("steps").size(), afterStep.size());
        assertArrayEquals(afterStep.get(afterStep.size() - 1), result.latents().data());
    }
}
