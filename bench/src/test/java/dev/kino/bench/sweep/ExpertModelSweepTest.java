package dev.kino.bench.sweep;

import dev.kino.bench.Bench;
import dev.kino.sweep.io.NpyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On a model with two denoiser experts that each have their own guidance (the tiny Wan 2.2 fixture, causal
 * VAE), a sweep without --guidance must leave guidance to the model, not force the default scale on both.
 */
class ExpertModelSweepTest {
    private static final Path MODEL = Path.of("..", "engine", "core", "src", "test", "resources", "wan", "tiny-wan22")
            .toAbsolutePath().normalize();

    private static Path sweep(Path out, String... extra) throws IOException {
        String[] base = {"sweep", "--model", MODEL.toString(), "--prompt", "a fox running in the snow",
                "--schedulers", "flow-euler", "--steps", "2", "--reference-steps", "4", "--device", "cpu",
                "--out", out.toString(), "--quiet"};
        Bench.ok(Stream.concat(Arrays.stream(base), Arrays.stream(extra)).toArray(String[]::new));
        try (Stream<Path> refs = Files.list(out.resolve("reference"))) {
            return refs.findFirst().orElseThrow().resolve("latents.npy");
        }
    }

    @Test
    void withoutGuidanceEachExpertKeepsItsOwnScale(@TempDir Path tmp) throws IOException {
        Path own = sweep(tmp.resolve("own"));
        Path forced = sweep(tmp.resolve("forced"), "--guidance", "4");
        assertTrue(own.getParent().getFileName().toString().contains("_gmodel_"), own.toString());
        assertTrue(forced.getParent().getFileName().toString().contains("_g4_"), forced.toString());
        // the high-noise expert's scale is 4 either way; the low-noise expert's is 3 unless forced to 4
        assertFalse(Arrays.equals(NpyFile.read(own).data(), NpyFile.read(forced).data()));
    }
}
