package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.runtime.Device;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Child-JVM program of {@link CloseWhileGeneratingTest}: loads the package, starts generations on two threads,
 * closes the pipeline after a random delay, and checks every generation ended cleanly (finished, cancelled, or
 * refused because the pipeline was closed). Exit status 0 and "rounds N ok" when all did.
 */
final class CloseStress {
    private CloseStress() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Random random = new Random(42);
        for (int round = 0; round < rounds; round++) {
            TextToVideoPipeline p = TextToVideoPipeline.load(model, Device.CPU);
            List<Thread> workers = new ArrayList<>();
            List<Throwable> bad = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int w = 0; w < 2; w++) {
                Thread t = new Thread(() -> {
                    try {
                        p.generate(GenerationRequest.builder("a red circle").steps(30).frames(4).build(), e -> true);
                    } catch (GenerationCancelledException | KinoException expected) {
                        // a clean end: stopped by close, or refused after it
                    } catch (Throwable t1) {
                        bad.add(t1);
                    }
                });
                workers.add(t);
                t.start();
            }
            Thread.sleep(random.nextInt(120));
            p.close();
            for (Thread t : workers) {
                t.join();
            }
            if (!bad.isEmpty()) {
                bad.get(0).printStackTrace();
                System.exit(1);
            }
        }
        System.out.println("rounds " + rounds + " ok");
    }
}
