package dev.kino.demo;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The unpacked built-in model under concurrent first use and after damage. */
class EmbeddedModelCacheTest {
    private static final String RESOURCE = "fixtures/dit-flow";
    private static final String[] FILES = {"kino.json", "tokenizer.json", "text_encoder.onnx", "denoiser.onnx",
            "denoiser.onnx_data", "vae_decoder.onnx"};

    @TempDir
    Path cache;

    private void assertIntact(Path dir) throws IOException {
        for (String f : FILES) {
            assertArrayEquals(Files.readAllBytes(Fixtures.testResources().resolve(RESOURCE).resolve(f)),
                    Files.readAllBytes(dir.resolve(f)), f);
        }
        try (Stream<Path> entries = Files.list(cache)) {
            assertEquals(List.of(dir), entries.toList(), "one folder, no partial or damaged copies left");
        }
    }

    @Test
    void processesAndThreadsUnpackingAtOnceAllSucceed() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> children = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            children.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    ExtractMain.class.getName(), RESOURCE, cache.toString()).redirectErrorStream(true).start());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Path>> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(pool.submit(() -> {
                start.await();
                return EmbeddedModel.extract(RESOURCE, cache);
            }));
        }
        start.countDown();
        Path dir = threads.get(0).get();
        for (Future<Path> t : threads) {
            assertEquals(dir, t.get());
        }
        pool.shutdown();
        for (Process p : children) {
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertEquals(0, p.waitFor(), out);
            assertEquals(dir.toString(), out);
        }
        assertIntact(dir);
    }

    private void damagedCopyIsUnpackedAgain(Consumer<Path> damage) throws IOException {
        Path dir = EmbeddedModel.extract(RESOURCE, cache);
        damage.accept(dir);
        assertEquals(dir, EmbeddedModel.extract(RESOURCE, cache));
        assertIntact(dir);
    }

    @Test
    void aTruncatedDenoiserIsReplaced() throws IOException {
        damagedCopyIsUnpackedAgain(dir -> io(() -> {
            try (RandomAccessFile f = new RandomAccessFile(dir.resolve("denoiser.onnx").toFile(), "rw")) {
                f.setLength(f.length() / 2);
            }
        }));
    }

    @Test
    void aFlippedBitIsRepaired() throws IOException {
        damagedCopyIsUnpackedAgain(dir -> io(() -> {
            byte[] b = Files.readAllBytes(dir.resolve("denoiser.onnx_data"));
            b[b.length / 2] ^= 0x10;
            Files.write(dir.resolve("denoiser.onnx_data"), b);
        }));
    }

    @Test
    void aDeletedVaeAnEmptyTokenizerAndACorruptManifestAreRestored() throws IOException {
        damagedCopyIsUnpackedAgain(dir -> io(() -> {
            Files.delete(dir.resolve("vae_decoder.onnx"));
            Files.write(dir.resolve("tokenizer.json"), new byte[0]);
            Files.writeString(dir.resolve("kino.json"), "{ broken");
        }));
    }

    interface IoAction {
        void run() throws IOException;
    }

    private static void io(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
