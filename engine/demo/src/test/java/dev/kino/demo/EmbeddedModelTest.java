package dev.kino.demo;

import dev.kino.Fixtures;
import dev.kino.KinoException;
import dev.kino.model.ModelPackage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedModelTest {
    @Test
    void extractsAClasspathPackageOnceIntoAContentAddressedFolder(@TempDir Path cache) throws Exception {
        String resource = "fixtures/dit-flow";
        Path dir = EmbeddedModel.extract(resource, cache);
        assertTrue(dir.getFileName().toString().startsWith("dit-flow-"), dir.toString());
        for (String f : new String[] {"kino.json", "tokenizer.json", "text_encoder.onnx", "denoiser.onnx",
                "denoiser.onnx_data", "vae_decoder.onnx"}) {
            Path source = Fixtures.testResources().resolve(resource).resolve(f);
            assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(dir.resolve(f)), f);
        }
        long modified = Files.getLastModifiedTime(dir.resolve("kino.json")).toMillis();
        assertEquals(dir, EmbeddedModel.extract(resource, cache), "the second call reuses the folder");
        assertEquals(modified, Files.getLastModifiedTime(dir.resolve("kino.json")).toMillis());
        try (var list = Files.list(cache)) {
            assertEquals(1, list.count(), "no partial folders left behind");
        }
        ModelPackage.open(dir); // a complete, valid package
    }

    @Test
    void aMixtureOfExpertsPackageIsExtractedWithEveryExpert(@TempDir Path cache) throws Exception {
        String resource = "fixtures/dit-flow-experts";
        Path dir = EmbeddedModel.extract(resource, cache);
        ModelPackage pkg = ModelPackage.open(dir); // checks every file the manifest names is there
        assertEquals(2, pkg.manifest().denoiser().experts().size());
        for (String f : pkg.manifest().files().values()) {
            Path source = Fixtures.testResources().resolve(resource).resolve(f);
            assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(dir.resolve(f)), f);
        }
        assertTrue(Files.isRegularFile(dir.resolve("denoiser_low.onnx")), "the low-noise expert too");
    }

    @Test
    void threadsExtractingAtOnceAllGetTheFolder(@TempDir Path tmp) throws Exception {
        // Two Spark tasks of one executor load the built-in model at the same moment: the loser of the
        // rename race must use the winner's folder, not fail.
        for (int round = 0; round < 3; round++) {
            Path cache = tmp.resolve("round" + round);
            var start = new java.util.concurrent.CyclicBarrier(3);
            var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
            try {
                var results = new java.util.ArrayList<java.util.concurrent.Future<Path>>();
                for (int t = 0; t < 3; t++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return EmbeddedModel.extract("fixtures/dit-flow", cache);
                    }));
                }
                Path first = results.get(0).get();
                for (var r : results) {
                    assertEquals(first, r.get());
                }
                try (var list = Files.list(cache)) {
                    assertEquals(1, list.count(), "no partial folders left behind");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aBuildWithoutTheModelSaysSoInOneSentence(@TempDir Path cache) throws Exception {
        KinoException e = assertThrows(KinoException.class, () -> EmbeddedModel.extract("kino-models/none", cache));
        assertTrue(e.getMessage().contains("no built-in model") && e.getMessage().contains("--model DIR"),
                e.getMessage());
        try (var list = Files.list(cache)) {
            assertEquals(0, list.count(), "nothing extracted");
        }
    }
}
