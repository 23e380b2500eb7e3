package dev.kino.denoise;

import dev.kino.Fixtures;
import dev.kino.model.ModelGraphs;
import dev.kino.model.ModelPackage;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.tensor.FloatTensor;
import dev.kino.text.TextEmbeddings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one ONNX denoiser graph is fed: the manifest's timestep scale, and the inputs some graphs require. */
class OnnxDenoiserTest {
    private static final long[] SHAPE = {1, 4, 2, 4, 4};

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static float[] predict(OnnxDenoiser d, TextEmbeddings text, float[] input, double t) {
        float[] out = new float[input.length];
        try (Denoiser.Run run = d.begin(SHAPE, text, new float[] {5f})) {
            run.predict(input, t, out);
        }
        return out;
    }

    @Test
    void theGraphSeesTheTimestepTimesTheManifestsTimestepScale(@TempDir Path tmp) throws IOException {
        Path scaled = Fixtures.copy(Fixtures.UNET, tmp);
        Path manifest = scaled.resolve("kino.json");
        String json = Files.readString(manifest);
        assertEquals(1, json.split("\"timestep_scale\": 1.0", -1).length - 1);
        Files.writeString(manifest, json.replace("\"timestep_scale\": 1.0", "\"timestep_scale\": 2.0"));
        ModelPackage plain = ModelPackage.open(Fixtures.dir(Fixtures.UNET));
        TextEmbeddings text = new TextEmbeddings(new FloatTensor(new long[] {1, 8, 16}, random(128, 1)),
                new FloatTensor(new long[] {1, 8, 16}, random(128, 2)));
        float[] input = random(128, 3);
        try (ModelGraphs graphs = ModelGraphs.open(plain, OnnxRuntime.create(Device.CPU))) {
            OnnxDenoiser unscaled = new OnnxDenoiser(graphs.denoiser(), plain.manifest().denoiser());
            OnnxDenoiser doubled = new OnnxDenoiser(graphs.denoiser(), ModelPackage.open(scaled).manifest().denoiser());
            float[] at800 = predict(unscaled, text, input, 800);
            assertFalse(Arrays.equals(at800, predict(unscaled, text, input, 400)), "the timestep must matter");
            assertArrayEquals(at800, predict(doubled, text, input, 400), "timestep 400 at scale 2 is 800");
        }
    }

    @Test
    void withoutGuidanceThePredictionIsTheConditionalOneAsGuidanceOneGivesIt() {
        ModelPackage plain = ModelPackage.open(Fixtures.dir(Fixtures.UNET));
        FloatTensor cond = new FloatTensor(new long[] {1, 8, 16}, random(128, 1));
        FloatTensor uncond = new FloatTensor(new long[] {1, 8, 16}, random(128, 2));
        float[] input = random(128, 3);
        try (ModelGraphs graphs = ModelGraphs.open(plain, OnnxRuntime.create(Device.CPU))) {
            OnnxDenoiser d = new OnnxDenoiser(graphs.denoiser(), plain.manifest().denoiser());
            float[] alone = predict(d, new TextEmbeddings(cond, null), input, 500);
            float[] guidedAtOne = new float[128];
            try (Denoiser.Run run = d.begin(SHAPE, new TextEmbeddings(cond, uncond), new float[] {1f})) {
                run.predict(input, 500, guidedAtOne);
            }
            // diffusers: uncond + 1 * (cond - uncond) is cond, up to float32 rounding
            float max = 0;
            for (int i = 0; i < alone.length; i++) {
                max = Math.max(max, Math.abs(alone[i] - guidedAtOne[i]));
            }
            assertTrue(max <= 1e-5f && !Arrays.equals(alone, new float[128]), "max diff " + max);
        }
    }

    @Test
    void aClosedRunRefusesToPredictInsteadOfCrashing() {
        ModelPackage plain = ModelPackage.open(Fixtures.dir(Fixtures.UNET));
        TextEmbeddings text = new TextEmbeddings(new FloatTensor(new long[] {1, 8, 16}, random(128, 1)), null);
        try (ModelGraphs graphs = ModelGraphs.open(plain, OnnxRuntime.create(Device.CPU))) {
            Denoiser.Run run = new OnnxDenoiser(graphs.denoiser(), plain.manifest().denoiser())
                    .begin(SHAPE, text, new float[] {1f});
            run.predict(random(128, 3), 500, new float[128]);
            run.close();
            run.close();   // twice is harmless
            // its native tensors are freed: feeding them to ONNX Runtime again crashed the JVM (SIGSEGV)
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> run.predict(random(128, 3), 500, new float[128]));
            assertEquals("This denoiser run is closed; begin a new one.", e.getMessage());
        }
    }

    @Test
    void aGraphWithTextMaskAndFrameRateRefusesABeginWithoutThem() {
        ModelPackage ltx = ModelPackage.open(Fixtures.testResources().resolve("ltx").resolve("tiny-ltx"));
        FloatTensor emb = new FloatTensor(new long[] {1, 1, 1}, new float[1]);
        try (ModelGraphs graphs = ModelGraphs.open(ltx, OnnxRuntime.create(Device.CPU))) {
            OnnxDenoiser d = new OnnxDenoiser(graphs.denoiser(), ltx.manifest().denoiser());
            IllegalArgumentException noMask = assertThrows(IllegalArgumentException.class,
                    () -> d.begin(SHAPE, new TextEmbeddings(emb, emb), new float[] {3f}, DenoiserCondition.NONE
                            .withFrameRate(25)));
            assertEquals("This denoiser masks its text attention; pass embeddings with masks.", noMask.getMessage());
            TextEmbeddings masked = new TextEmbeddings(emb, emb, new long[] {1}, new long[] {1});
            for (double fps : new double[] {0, -1, Double.NaN}) {
                IllegalArgumentException noFps = assertThrows(IllegalArgumentException.class,
                        () -> d.begin(SHAPE, masked, new float[] {3f}, DenoiserCondition.NONE.withFrameRate(fps)));
                assertEquals("This denoiser takes the video's frame rate; pass it in the condition.", noFps.getMessage());
            }
        }
    }
}
