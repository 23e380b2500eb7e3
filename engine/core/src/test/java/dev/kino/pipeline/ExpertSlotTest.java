package dev.kino.pipeline;

import dev.kino.Fixtures;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.OnnxRuntime;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The one-expert slot when the pipeline closes: nobody opens an expert any more, nothing in use is closed. */
class ExpertSlotTest {
    private static final Path TINY = Fixtures.testResources().resolve("wan/tiny-wan22");
    private static final OnnxRuntime RUNTIME = OnnxRuntime.create(Device.CPU);
    private static final IntFunction<OnnxModel> OPEN = e -> RUNTIME.open(
            TINY.resolve(e == 0 ? "denoiser.onnx" : "denoiser_low_noise.onnx"), "denoiser expert " + (e + 1));

    @Test
    void aGenerationWaitingForTheOtherExpertStopsWhenThePipelineCloses() throws Exception {
        AtomicBoolean closing = new AtomicBoolean();
        ExpertSlot slot = new ExpertSlot(closing::get);
        OnnxModel high = slot.acquire(List.of(), 0, OPEN);
        assertSame(high, slot.acquire(List.of(), 0, OPEN), "the same expert is shared, not opened twice");
        CompletableFuture<OnnxModel> waiting = CompletableFuture.supplyAsync(() -> slot.acquire(List.of(), 1, OPEN));
        Thread.sleep(200);
        assertFalse(waiting.isDone(), "the low-noise expert waits while the high-noise one is in use");
        closing.set(true);
        slot.release();
        slot.release();
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(30, TimeUnit.SECONDS));
        assertInstanceOf(GenerationCancelledException.class, e.getCause());
        slot.close();
        assertEquals(List.of("open 0", "close 0"), slot.events(), "the low-noise expert was never opened");
    }

    @Test
    void aLongLivedSlotKeepsOnlyTheLastEventsAndEachAcquireItsOwn() {
        try (ExpertSlot slot = new ExpertSlot(() -> false)) {
            for (int i = 0; i < ExpertSlot.KEPT_EVENTS; i++) {   // a server's pipeline, job after job
                List<String> caused = new java.util.ArrayList<>();
                slot.acquire(List.of(), i % 2, OPEN, caused);
                slot.release();
                assertEquals(i == 0 ? List.of("open 0") : List.of("close " + (1 - i % 2), "open " + i % 2), caused);
            }
            assertEquals(ExpertSlot.KEPT_EVENTS, slot.events().size(), "bounded, not one entry per switch forever");
            assertEquals(List.of("close 0", "open 1"), slot.events().subList(ExpertSlot.KEPT_EVENTS - 2, ExpertSlot.KEPT_EVENTS));
        }
    }

    @Test
    void closingWhileInUseClosesTheSessionWhenItIsGivenBack() {
        ExpertSlot slot = new ExpertSlot(() -> false);
        slot.acquire(List.of("a-lora"), 1, OPEN);
        slot.close();
        assertEquals(List.of("open 1"), slot.events(), "not closed under a running step");
        slot.release();
        assertEquals(List.of("open 1", "close 1"), slot.events());
        assertThrows(GenerationCancelledException.class, () -> slot.acquire(List.of(), 0, OPEN));
        assertEquals(List.of("open 1", "close 1"), slot.events(), "nothing opens after close");
    }
}
