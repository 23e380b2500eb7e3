package dev.kino.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.Fixtures;
import dev.kino.KinoException;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A manifest that does not describe its graphs is refused when the package opens, every mismatch named, before
 * a generation could feed a graph the wrong tensors; and the latent frame rules the planner quotes.
 */
class SignatureCheckTest {
    @TempDir
    Path tmp;

    /** The message of opening a copy of {@code fixture} whose manifest {@code edit} changed. */
    private String mismatches(String fixture, Consumer<ObjectNode> edit) throws IOException {
        Path pkg = Fixtures.copy(fixture, tmp.resolve(String.valueOf(System.nanoTime())));
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = (ObjectNode) json.readTree(pkg.resolve("kino.json").toFile());
        edit.accept(m);
        json.writeValue(pkg.resolve("kino.json").toFile(), m);
        KinoException e = assertThrows(KinoException.class,
                () -> ModelGraphs.open(ModelPackage.open(pkg), OnnxRuntime.create(Device.CPU)).close());
        String s = e.getMessage();
        assertTrue(s.startsWith("The manifest of " + pkg + " does not match its ONNX files (")
                && s.endsWith(". Fix kino.json or re-export the model."), s);
        return s;
    }

    private static ObjectNode section(ObjectNode m, String name) {
        return (ObjectNode) m.get(name);
    }

    @Test
    void inputNamesTheManifestGetsWrongAreNamedBothWays() throws IOException {
        String s = mismatches(Fixtures.UNET, m -> section(m, "denoiser").put("sample", "latents"));
        assertTrue(s.contains("(2 mismatches): "), s);
        assertTrue(s.contains("has no input named \"latents\" (it has ["), s);
        assertTrue(s.contains("input \"sample\" is not named in the manifest, so Kino cannot feed it"), s);
    }

    @Test
    void precisionChannelsTimestepTypeAndBatchAxisAreChecked() throws IOException {
        String fp16 = mismatches(Fixtures.UNET, m -> section(m, "denoiser").put("precision", "fp16"));
        assertTrue(fp16.contains("(2 mismatches): denoiser sample is float32 but denoiser.precision is fp16; denoiser"
                + " out_sample is float32 but denoiser.precision is fp16."), fp16);
        String channels = mismatches(Fixtures.UNET, m -> section(m, "latent").put("channels", 8));
        assertTrue(channels.contains("has 4 channels but latent.channels is 8"), channels);
        String dtype = mismatches(Fixtures.UNET, m -> section(m, "denoiser").put("timestep_dtype", "float32"));
        assertTrue(dtype.contains("(1 mismatch): ") && dtype.contains("but denoiser.timestep_dtype is float32"), dtype);
        String dynamic = mismatches(Fixtures.UNET, m -> section(m, "denoiser").put("dynamic_batch", false));
        assertTrue(dynamic.contains("has a dynamic batch axis but the manifest says dynamic_batch: false"), dynamic);
        String fixed = mismatches(Fixtures.UNET_FIXED_BATCH, m -> section(m, "denoiser").put("dynamic_batch", true));
        assertTrue(fixed.contains("has a fixed batch of 1 but the manifest says dynamic_batch: true"), fixed);
    }

    @Test
    void latentFrameRulesOfCausalAndFrameFoldingVaes() {
        Manifest.Latent wan = new Manifest.Latent(16, 8, 4, true, 16);
        assertEquals(21, wan.latentFrames(81));
        assertEquals(1, wan.latentFrames(1));
        for (int ok : new int[] {1, 5, 81}) {
            assertTrue(wan.acceptsFrames(ok), ok + " frames");
        }
        for (int bad : new int[] {0, -3, 4, 6, 80}) {
            assertFalse(wan.acceptsFrames(bad), bad + " frames");
        }
        assertEquals("4k+1 (5, 9, 13, ...)", wan.frameRule());
        Manifest.Latent folded = new Manifest.Latent(4, 8, 2, false, 8);
        assertEquals(3, folded.latentFrames(6));
        assertTrue(folded.acceptsFrames(2) && folded.acceptsFrames(8));
        assertFalse(folded.acceptsFrames(0) || folded.acceptsFrames(3) || folded.acceptsFrames(1));
        assertEquals("a multiple of 2 (2, 4, 6, ...)", folded.frameRule());
        assertEquals("any positive number", new Manifest.Latent(4, 8, 1, false, 8).frameRule());
    }
}
