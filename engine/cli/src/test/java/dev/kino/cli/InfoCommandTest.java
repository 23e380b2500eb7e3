package dev.kino.cli;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kino info} describes a package from its files' headers and opens no ONNX Runtime session, so it costs
 * next to nothing on a model of any size. A package whose weights cannot be loaded (its external data cut short,
 * which a session refuses and a header read never touches) proves it.
 */
class InfoCommandTest {
    @TempDir
    Path tmp;

    /**
     * A copy of tiny LTX-Video (every graph keeps its weights in external data) with the data files cut short:
     * its headers read, no session loads it.
     */
    static Path withUnloadableWeights(Path tmp) throws IOException {
        Path src = Fixtures.testResources().resolve("ltx").resolve("tiny-ltx");
        Path dir = Files.createDirectories(tmp.resolve("tiny-ltx"));
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path data : files.filter(f -> f.getFileName().toString().endsWith(".onnx_data")).toList()) {
                try (FileChannel c = FileChannel.open(data, StandardOpenOption.WRITE)) {
                    c.truncate(64);
                }
            }
        }
        return dir;
    }

    @Test
    void describesAPackageWhoseWeightsCannotBeLoaded() throws IOException {
        Path model = withUnloadableWeights(tmp);
        // the same package loads: a session would have to read the weights, which are gone
        Cli.Run generate = Cli.kino("generate", "a red circle", "--model", model.toString(), "--steps", "1",
                "--output", tmp.resolve("out.mp4").toString());
        assertEquals(1, generate.exitCode(), "a session cannot load these weights\n" + generate.out() + generate.err());

        Cli.Run run = Cli.kino("info", "--model", model.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        String out = run.out();
        assertTrue(out.contains("Signatures (checked against the manifest: OK)"), out);
        assertTrue(out.contains("  denoiser (denoiser.onnx, fp32 in/out"), out);
        assertTrue(out.contains("  VAE decoder (vae_decoder.onnx"), out);
        assertTrue(out.contains("    in   hidden_states: float32["), out);
        assertTrue(out.contains("Memory     at "), out);
        assertTrue(out.contains("fits: "), out);
        assertEquals("", run.err().replaceAll("(?m)^\\[.*WARN.*$", "").strip(), run.err());
    }

    @Test
    void describesTheConditioningGraphsFromTheirHeadersToo() {
        // Wan 2.1 FLF2V has a VAE encoder and a CLIP image encoder besides the graphs planning needs
        Cli.Run run = Cli.kino("info", "--model",
                Fixtures.testResources().resolve("wan-i2v").resolve("tiny-wan21-flf2v").toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("  VAE encoder ("), run.out());
        assertTrue(run.out().contains("  image encoder ("), run.out());
    }

    @Test
    void aManifestThatDisagreesWithItsGraphsIsOneSentenceAndNothingElse() throws IOException {
        Path model = Fixtures.copy(Fixtures.UNET, tmp);
        Path manifest = model.resolve("kino.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"sample\": \"sample\"", "\"sample\": \"latents\""));
        Cli.Run run = Cli.kino("info", "--model", model.toString());
        assertEquals(1, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("does not match its ONNX files (2 mismatches): "), run.err());
        assertTrue(run.err().contains("no input named \"latents\""), run.err());
        assertFalse(run.err().contains("Exception") || run.err().strip().contains("\n"), run.err());
        assertEquals("", run.out(), "nothing is printed for a package that does not match its manifest");
    }
}
