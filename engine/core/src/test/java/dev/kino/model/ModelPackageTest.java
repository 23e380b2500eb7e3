package dev.kino.model;

import dev.kino.Fixtures;
import dev.kino.KinoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A package's files as the manifest names them (every expert included: what an unpacker copies), the checks on
 * open, the identity a checkpoint is tied to, and the denoiser's sequence length that dynamic shifting reads.
 */
class ModelPackageTest {
    @TempDir
    Path tmp;

    @Test
    void filesNameEveryExpertGraph() {
        Map<String, String> files = ModelPackage.open(Fixtures.dir("dit-flow-experts")).manifest().files();
        assertEquals("denoiser_high.onnx", files.get("denoiser expert 1"));
        assertEquals("denoiser_low.onnx", files.get("denoiser expert 2"));
        assertEquals(List.of("tokenizer", "text encoder", "denoiser expert 1", "denoiser expert 2", "VAE decoder"),
                List.copyOf(files.keySet()));
        assertEquals("denoiser.onnx", ModelPackage.open(Fixtures.dir(Fixtures.UNET)).manifest().files().get("denoiser"));
    }

    @Test
    void missingAndOutsideFilesAreRefusedOnOpen() throws IOException {
        Path pkg = Fixtures.copy(Fixtures.UNET, tmp);
        Files.delete(pkg.resolve("vae_decoder.onnx"));
        KinoException one = assertThrows(KinoException.class, () -> ModelPackage.open(pkg));
        assertEquals("The model package " + pkg + " is missing its VAE decoder file vae_decoder.onnx named in"
                + " kino.json; copy the file into the package or fix the manifest.", one.getMessage());
        Files.delete(pkg.resolve("denoiser.onnx"));
        assertTrue(assertThrows(KinoException.class, () -> ModelPackage.open(pkg)).getMessage()
                .contains("copy the files into the package"));
        Path outside = Fixtures.copy(Fixtures.UNET, tmp.resolve("o"));
        String json = Files.readString(outside.resolve("kino.json"));
        Files.writeString(outside.resolve("kino.json"), json.replace("\"file\": \"denoiser.onnx\"",
                "\"file\": \"" + outside.resolve("denoiser.onnx") + "\""));
        KinoException absolute = assertThrows(KinoException.class, () -> ModelPackage.open(outside));
        assertTrue(absolute.getMessage().contains("names files outside the package (denoiser file "), absolute.getMessage());
    }

    @Test
    void theIdentityFollowsTheManifestAndTheGraphFiles() throws IOException {
        Path pkg = Fixtures.copy(Fixtures.UNET, tmp);
        String first = ModelPackage.open(pkg).identity();
        assertEquals(first, ModelPackage.open(Fixtures.copy(Fixtures.UNET, tmp.resolve("twin"))).identity(),
                "the same files give the same identity wherever they lie");
        Files.writeString(pkg.resolve("kino.json"), " ", StandardOpenOption.APPEND);
        String edited = ModelPackage.open(pkg).identity();
        assertNotEquals(first, edited, "an edited manifest");
        Files.write(pkg.resolve("denoiser.onnx"), new byte[] {0}, StandardOpenOption.APPEND);
        assertNotEquals(edited, ModelPackage.open(pkg).identity(), "a re-exported graph");
    }

    @Test
    void sequenceLengthCountsPatches() {
        Manifest.Denoiser wan = ModelPackage.open(Fixtures.dir("dit-flow-experts")).manifest().denoiser();
        assertEquals(List.of(1, 2, 2), wan.patchSize());
        assertEquals(21 * 30 * 52, wan.sequenceLength(21, 60, 104));
        assertEquals(3 * 2 * 3, wan.sequenceLength(3, 4, 6));
    }
}
