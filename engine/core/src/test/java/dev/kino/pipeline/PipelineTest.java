package dev.kino.pipeline;

import dev.kino.Fixtures;
import dev.kino.denoise.StepEvent;
import dev.kino.model.ModelGraphs;
import dev.kino.model.ModelPackage;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.tensor.FloatTensor;
import dev.kino.vae.FrameFoldingVaeDecoder;
import dev.kino.vae.LatentDenormalizer;
import dev.kino.video.VideoFrames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.kino.ReferenceTensors.maxAbs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole pipeline on the fixture packages, through the public API. */
class PipelineTest {
    private static TextToVideoPipeline unet;

    @BeforeAll
    static void load() {
        unet = TextToVideoPipeline.load(Fixtures.dir(Fixtures.UNET), Device.CPU);
    }

    @AfterAll
    static void close() {
        unet.close();
    }

    private static GenerationRequest request(long seed) {
        return GenerationRequest.builder("a red circle moving right").seed(seed).steps(3).frames(4).build();
    }

    static float maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @Test
    void sameSeedGivesBitIdenticalLatentsAndOtherSeedsDoNot() {
        GenerationResult a = unet.generate(request(42), e -> true);
        GenerationResult b = unet.generate(request(42), e -> true);
        GenerationResult c = unet.generate(request(43), e -> true);
        assertArrayEquals(a.latents().data(), b.latents().data());
        assertTrue(maxAbsDiff(a.latents().data(), c.latents().data()) > 1e-3);
        assertArrayEquals(new long[] {1, 4, 4, 4, 4}, a.latents().shape());
        assertEquals(4, a.frames().count());
        assertEquals(32, a.frames().width());
    }

    @Test
    void fixedBatchGraphGivesTheSameLatentsAsTheDynamicBatchGraph() {
        try (TextToVideoPipeline fixed = TextToVideoPipeline.load(Fixtures.dir(Fixtures.UNET_FIXED_BATCH), Device.CPU)) {
            float[] dynamic = unet.generate(request(7), e -> true).latents().data();
            float[] single = fixed.generate(request(7), e -> true).latents().data();
            assertTrue(maxAbsDiff(dynamic, single) <= 1e-5f * Math.max(1f, maxAbs(dynamic)),
                    "max diff " + maxAbsDiff(dynamic, single));
        }
    }

    @Test
    void fp16PackageConvertsAtTheBoundaryAndStaysCloseToFp32() {
        try (TextToVideoPipeline half = TextToVideoPipeline.load(Fixtures.dir(Fixtures.UNET_FP16), Device.CPU)) {
            float[] full = unet.generate(request(3), e -> true).latents().data();
            float[] fp16 = half.generate(request(3), e -> true).latents().data();
            // fp16 weights and activations at the boundary: close, not equal
            float diff = maxAbsDiff(full, fp16);
            assertTrue(diff > 0, "fp16 rounding must show somewhere");
            assertTrue(diff <= 2e-2f * Math.max(1f, maxAbs(full)), "max diff " + diff);
        }
    }

    @Test
    void chunkedTwoDimensionalDecodeEqualsUnchunked() {
        GenerationResult r = unet.generate(request(5), e -> true);
        ModelPackage pkg = unet.modelPackage();
        try (ModelGraphs graphs = ModelGraphs.open(pkg, OnnxRuntime.create(Device.CPU))) {
            FrameFoldingVaeDecoder vae = new FrameFoldingVaeDecoder(graphs.vae(), pkg.manifest().vae(), 8);
            FloatTensor latents = LatentDenormalizer.apply(r.latents(), pkg.manifest().vae());
            VideoFrames one = vae.decode(latents, 1);
            VideoFrames three = vae.decode(latents, 3);
            VideoFrames all = vae.decode(latents, 4);
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(all.frame(i), one.frame(i), "frame " + i + " chunk 1");
                assertArrayEquals(all.frame(i), three.frame(i), "frame " + i + " chunk 3");
                assertArrayEquals(all.frame(i), r.frames().frame(i), "frame " + i + " pipeline (chunk 2)");
            }
        }
    }

    @Test
    void stepListenerSeesEveryStepAndCanCancel() {
        List<StepEvent> events = new ArrayList<>();
        unet.generate(request(1), e -> events.add(e));
        assertEquals(3, events.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, events.get(i).step());
            assertEquals(3, events.get(i).steps());
        }
        assertTrue(events.get(0).timestep() > events.get(2).timestep(), "timesteps run from noise to data");
        assertArrayEquals(new long[] {1, 4, 4, 4, 4}, events.get(0).latents().shape());
        GenerationCancelledException c = assertThrows(GenerationCancelledException.class,
                () -> unet.generate(request(1), e -> e.step() < 1));
        assertEquals(2, c.completedSteps());
    }

    @Test
    void guidanceOfOneSkipsTheUncondPass() {
        // A graph with a fixed batch of 1 runs cond and uncond apart: the run count shows whether the uncond
        // pass happened (a dynamic-batch graph would hide it inside one batch-2 run).
        try (TextToVideoPipeline fixed = TextToVideoPipeline.load(Fixtures.dir(Fixtures.UNET_FIXED_BATCH), Device.CPU)) {
            GenerationRequest.Builder r = GenerationRequest.builder("a red circle").steps(3).frames(4);
            GenerationResult plain = fixed.generate(r.guidance(1.0).build(), e -> true);
            GenerationResult guided = fixed.generate(r.guidance(5.0).build(), e -> true);
            assertEquals(3L, plain.timings().onnxRuns().get(StageTimings.DENOISE), "one cond run per step");
            assertEquals(6L, guided.timings().onnxRuns().get(StageTimings.DENOISE), "cond and uncond per step");
            assertTrue(maxAbsDiff(plain.latents().data(), guided.latents().data()) > 1e-4, "guidance changes the result");
        }
    }

    @Test
    void causalVideoVaeWithExternalDataMakesFourKPlusOneFrames() {
        try (TextToVideoPipeline dit = TextToVideoPipeline.load(Fixtures.dir(Fixtures.DIT_FLOW), Device.CPU)) {
            GenerationResult r = dit.generate(GenerationRequest.builder("a blue square").frames(9).steps(2).build(),
                    e -> true);
            assertArrayEquals(new long[] {1, 8, 3, 4, 6}, r.latents().shape());
            assertEquals(9, r.frames().count());
            assertEquals(48, r.frames().width());
            assertEquals(32, r.frames().height());
            assertFalse(r.settings().scheduler().isEmpty());
        }
    }

    @Test
    void unknownWordsAreReportedAsWarnings() {
        GenerationResult r = unet.generate(GenerationRequest.builder("a red zeppelin moving right").steps(1)
                .frames(4).build(), e -> true);
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().get(0).contains("zeppelin"), r.warnings().get(0));
        GenerationResult negative = unet.generate(GenerationRequest.builder("a red circle").negativePrompt("a zeppelin")
                .steps(1).frames(4).guidance(5.0).build(), e -> true);
        assertEquals(List.of("The model does not know these words of the negative prompt, so they were ignored:"
                + " zeppelin."), negative.warnings());
    }

    @Test
    void timingsCoverEveryStageInOrder() {
        GenerationResult r = unet.generate(request(9), e -> true);
        assertEquals(List.of(StageTimings.TOKENIZE, StageTimings.TEXT_ENCODE, StageTimings.DENOISE,
                StageTimings.VAE_DECODE), new ArrayList<>(r.timings().wall().keySet()));
        assertEquals(3, r.timings().steps().size());
        assertTrue(r.timings().onnx().get(StageTimings.DENOISE).toNanos() > 0);
        for (String stage : List.of(StageTimings.TEXT_ENCODE, StageTimings.DENOISE, StageTimings.VAE_DECODE)) {
            Duration onnx = r.timings().onnx().get(stage);
            assertTrue(onnx.toNanos() > 0 && onnx.compareTo(r.timings().wall().get(stage)) <= 0, stage + ": " + onnx);
        }
        // cond and uncond in one batch of the text encoder and of each denoiser step; two 2-frame VAE chunks
        assertEquals(1L, r.timings().onnxRuns().get(StageTimings.TEXT_ENCODE));
        assertEquals(3L, r.timings().onnxRuns().get(StageTimings.DENOISE));
        assertEquals(2L, r.timings().onnxRuns().get(StageTimings.VAE_DECODE));
    }
}
