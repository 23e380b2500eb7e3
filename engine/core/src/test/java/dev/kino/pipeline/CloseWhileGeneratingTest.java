package dev.kino.pipeline;

import dev.kino.Fixtures;
import dev.kino.KinoException;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code close()} while another thread generates: the generation stops cleanly at its next step, and only then
 * are the ONNX sessions freed (freeing them under a running session crashed the JVM in libonnxruntime).
 */
class CloseWhileGeneratingTest {
    private static final GenerationRequest LONG = GenerationRequest.builder("a red circle").steps(400).frames(4).build();

    @Test
    void closeStopsTheRunningGenerationAtItsNextStepThenFrees() throws Exception {
        TextToVideoPipeline p = TextToVideoPipeline.load(Fixtures.dir(Fixtures.UNET), Device.CPU);
        CountDownLatch firstStep = new CountDownLatch(1);
        AtomicInteger lastStep = new AtomicInteger(-1);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                p.generate(LONG, e -> {
                    lastStep.set(e.step());
                    firstStep.countDown();
                    return true;
                });
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        worker.start();
        assertTrue(firstStep.await(60, TimeUnit.SECONDS));
        p.close(); // returns only once the generation has left and the sessions are freed
        assertTrue(!worker.isAlive() || joined(worker), "close waited for the generation");
        GenerationCancelledException c = assertInstanceOf(GenerationCancelledException.class, outcome.get());
        assertTrue(c.completedSteps() < 400, "stopped early, after " + c.completedSteps() + " steps");
        assertEquals(lastStep.get() + 1, c.completedSteps(), "stopped at the step after close");

        assertDoesNotThrow(p::close, "a second close is a no-op");
        KinoException e = assertThrows(KinoException.class, () -> p.generate(LONG, x -> true));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    private static boolean joined(Thread t) throws InterruptedException {
        t.join(1000);
        return !t.isAlive();
    }

    @Test
    void closeFromTheGeneratingThreadsOwnListenerDoesNotDeadlock() {
        TextToVideoPipeline p = TextToVideoPipeline.load(Fixtures.dir(Fixtures.UNET), Device.CPU);
        GenerationCancelledException c = assertThrows(GenerationCancelledException.class, () -> p.generate(LONG, e -> {
            if (e.step() == 1) {
                p.close();
            }
            return true;
        }));
        assertEquals(2, c.completedSteps());
        assertThrows(KinoException.class, () -> p.generate(LONG, x -> true));
    }

    /**
     * Many closes at random moments of generations on several threads, in a child JVM: a native crash there
     * shows as its exit status instead of taking the test JVM down.
     */
    @Test
    void closingAtRandomMomentsNeverCrashes() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                CloseStress.class.getName(), Fixtures.dir(Fixtures.UNET).toString(), "12"));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the child finished");
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("rounds 12 ok"), output);
    }
}
