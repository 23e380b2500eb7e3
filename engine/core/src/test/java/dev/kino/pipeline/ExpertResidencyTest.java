package dev.kino.pipeline;

import dev.kino.Fixtures;
import dev.kino.lora.Lora;
import dev.kino.model.Manifest;
import dev.kino.model.ModelPackage;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.video.Mp4Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wan 2.2's two experts loaded one at a time against both resident, on the committed tiny Wan 2.2 package: the
 * same latents and MP4 bit for bit, the high-noise session closed before the low-noise one opens, LoRAs merged
 * again into a reopened expert, concurrent generations never holding two experts, and {@code auto} choosing by
 * the memory plan.
 */
class ExpertResidencyTest {
    private static final Path WAN = Fixtures.testResources().resolve("wan");
    private static final Path TINY = WAN.resolve("tiny-wan22");
    private static final Path LORA = WAN.resolve("lora");

    @TempDir
    Path tmp;

    private static GenerationRequest request(List<Lora> loras) {
        return GenerationRequest.builder("A red fox runs through fresh snow at dawn.").seed(42L).steps(4)
                .loras(loras).build();
    }

    private static TextToVideoPipeline load(ExpertResidency r, long budget) {
        return TextToVideoPipeline.load(ModelPackage.open(TINY), OnnxRuntime.create(Device.CPU), r, budget);
    }

    private byte[] mp4(GenerationResult r, String name) throws Exception {
        Path out = tmp.resolve(name + ".mp4");
        Mp4Writer.write(r.frames(), r.settings().fps(), out, 1);
        return Files.readAllBytes(out);
    }

    @Test
    void oneAtATimeMakesTheSameLatentsAndMp4AndClosesTheHighNoiseExpertFirst() throws Exception {
        GenerationResult both;
        try (TextToVideoPipeline kino = load(ExpertResidency.BOTH, 0)) {
            assertFalse(kino.expertsOneAtATime());
            both = kino.generate(request(List.of()), e -> true);
            assertEquals(List.of(), kino.expertEvents());
        }
        try (TextToVideoPipeline kino = load(ExpertResidency.ONE, 0)) {
            assertTrue(kino.expertsOneAtATime());
            assertEquals(List.of(), kino.expertEvents(), "nothing opened before the first step");
            GenerationResult one = kino.generate(request(List.of()), e -> true);
            assertArrayEquals(both.latents().data(), one.latents().data());
            assertArrayEquals(mp4(both, "both"), mp4(one, "one"));
            assertEquals(List.of("open 0", "close 0", "open 1"), kino.expertEvents());
            assertEquals(List.of("open 0", "close 0", "open 1"), one.expertSessions(), "the generation's own record");
            assertEquals(List.of(), both.expertSessions());
            assertEquals(4L, one.timings().onnxRuns().get(StageTimings.DENOISE),
                    "4 guided steps, one batch-2 run each, counted across both sessions");

            GenerationResult again = kino.generate(request(List.of()), e -> true);   // a long-lived pipeline
            assertArrayEquals(both.latents().data(), again.latents().data());
            assertEquals(List.of("open 0", "close 0", "open 1", "close 1", "open 0", "close 0", "open 1"),
                    kino.expertEvents());
            assertEquals(List.of("close 1", "open 0", "close 0", "open 1"), again.expertSessions());
        }
    }

    @Test
    void aReopenedExpertGetsTheSameLoras() {
        List<Lora> loras = List.of(new Lora(LORA.resolve("peft.safetensors"), 0.8, 0),
                new Lora(LORA.resolve("comfy.safetensors"), -0.3, 1));
        GenerationResult both;
        GenerationResult plain;
        try (TextToVideoPipeline kino = load(ExpertResidency.BOTH, 0)) {
            both = kino.generate(request(loras), e -> true);
            plain = kino.generate(request(List.of()), e -> true);
        }
        try (TextToVideoPipeline kino = load(ExpertResidency.ONE, 0)) {
            for (int i = 0; i < 2; i++) {   // the second run reopens both experts with the LoRAs merged again
                assertArrayEquals(both.latents().data(), kino.generate(request(loras), e -> true).latents().data());
            }
            assertArrayEquals(plain.latents().data(), kino.generate(request(List.of()), e -> true).latents().data());
            assertEquals(6 * 2 - 1, kino.expertEvents().size(), "each run opens each expert once");
        }
        assertFalse(java.util.Arrays.equals(both.latents().data(), plain.latents().data()), "the LoRAs change the video");
    }

    @Test
    void concurrentGenerationsNeverHoldTwoExperts() throws Exception {
        GenerationResult alone;
        try (TextToVideoPipeline kino = load(ExpertResidency.ONE, 0)) {
            alone = kino.generate(request(List.of()), e -> true);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<GenerationResult>> runs = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    runs.add(pool.submit(() -> kino.generate(request(List.of()), e -> true)));
                }
                for (Future<GenerationResult> f : runs) {
                    assertArrayEquals(alone.latents().data(), f.get().latents().data());
                }
            } finally {
                pool.shutdown();
            }
            int open = 0;
            for (String e : kino.expertEvents()) {
                open += e.startsWith("open") ? 1 : -1;
                assertTrue(open == 0 || open == 1, "at most one expert open: " + kino.expertEvents());
            }
        }
    }

    @Test
    void autoLoadsOneAtATimeWhenThePlanSaysBothDoNotFit() {
        ModelPackage pkg = ModelPackage.open(TINY);
        Manifest.Defaults d = pkg.manifest().defaults();
        MemoryPlan plan = MemoryPlan.of(pkg, d.width(), d.height(), d.frames(), 2);
        long between = (plan.runtimeBytes() + plan.runtimeBytesOneExpert()) / 2;
        assertTrue(plan.runtimeBytesOneExpert() < between && between < plan.runtimeBytes());
        assertFalse(ExpertResidency.bothFit(plan, between));
        assertTrue(ExpertResidency.AUTO.oneAtATime(pkg, between));
        assertFalse(ExpertResidency.AUTO.oneAtATime(pkg, plan.runtimeBytes()), "both fit: both stay");
        assertFalse(ExpertResidency.AUTO.oneAtATime(pkg, 0), "budget unknown: both stay");
        assertTrue(ExpertResidency.ONE.oneAtATime(pkg, Long.MAX_VALUE), "forced");
        assertFalse(ExpertResidency.BOTH.oneAtATime(pkg, 1), "forced");
        assertFalse(ExpertResidency.ONE.oneAtATime(ModelPackage.open(WAN.resolve("tiny-wan21")), 1), "one graph");
        try (TextToVideoPipeline kino = load(ExpertResidency.AUTO, between)) {
            assertTrue(kino.expertsOneAtATime());
            kino.generate(request(List.of()), e -> true);
            assertEquals(List.of("open 0", "close 0", "open 1"), kino.expertEvents());
        }
        try (TextToVideoPipeline kino = load(ExpertResidency.AUTO, plan.runtimeBytes())) {
            assertFalse(kino.expertsOneAtATime());
        }
        assertThrows(dev.kino.KinoException.class, () -> ExpertResidency.parse("half"));
        assertEquals(ExpertResidency.ONE, ExpertResidency.parse("One"));
    }
}
