package dev.kino.denoise;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Classifier-free guidance as diffusers writes it: {@code uncond + g * (cond - uncond)}, in float32. */
class GuidanceTest {
    @Test
    void separateOutputsCombineAsDiffusersDoes() {
        float[] uncond = {0.5f, -1.25f, 2f, 0f};
        float[] cond = {1.5f, -0.25f, -2f, 3f};
        float[] out = new float[4];
        Guidance.combine(uncond, cond, 5f, out);
        for (int i = 0; i < out.length; i++) {
            assertEquals(uncond[i] + 5f * (cond[i] - uncond[i]), out[i], 0f, "element " + i);
        }
        assertArrayEquals(new float[] {5.5f, 3.75f, -18f, 15f}, out);
    }

    @Test
    void aScaleOfOneGivesTheConditionalOutput() {
        float[] uncond = {0.5f, -1.25f};
        float[] cond = {1.5f, -0.25f};
        float[] out = new float[2];
        Guidance.combine(uncond, cond, 1f, out);
        assertArrayEquals(cond, out);
    }
}
