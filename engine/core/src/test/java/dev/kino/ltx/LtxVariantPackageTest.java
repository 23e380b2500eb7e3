package dev.kino.ltx;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.KinoException;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.schedule.LinearQuadraticSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two LTX-Video variant packages beyond parity: how a distilled package plans other step counts, and
 * manifests that do not fit their graphs or break the format, refused in one sentence.
 */
class LtxVariantPackageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A copy of the variant package with its kino.json edited. */
    private Path edited(String variant, Consumer<ObjectNode> edit) throws IOException {
        Path src = LtxParityTest.packageFor(variant);
        Path dir = Files.createDirectory(tmp.resolve(variant + "-" + System.nanoTime()));
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName().toString()));
            }
        }
        ObjectNode m = (ObjectNode) JSON.readTree(dir.resolve("kino.json").toFile());
        edit.accept(m);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("kino.json").toFile(), m);
        return dir;
    }

    @Test
    void aDistilledPackageUsesItsListByDefaultAndTheLinearQuadraticScheduleForOtherStepCounts() {
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(LtxParityTest.packageFor("tiny-ltx-distilled"),
                Device.CPU)) {
            GenerationPlan own = kino.plan(GenerationRequest.builder("a fox").build());
            assertArrayEquals(new double[] {1000, 993, 987, 981, 975, 909, 725, (float) 0.03}, own.timesteps(), 1e-3);
            assertEquals(1.0, own.settings().guidance(), "distilled: guidance 1");
            GenerationPlan five = kino.plan(GenerationRequest.builder("a fox").steps(5).build());
            assertArrayEquals(LinearQuadraticSchedule.timesteps(5), five.timesteps(), 0);
        }
    }

    @Test
    void aSamplingSectionThatBreaksTheFormatIsNamed() throws IOException {
        Path rising = edited("tiny-ltx-distilled", m -> ((ArrayNode) m.with("sampling").withArray("timesteps"))
                .set(1, JSON.getNodeFactory().numberNode(1200)));
        KinoException e = assertThrows(KinoException.class, () -> ModelPackage.open(rising));
        assertTrue(e.getMessage().contains("sampling.timesteps must fall from high noise to low"), e.getMessage());
        Path pipeline = edited("tiny-ltx-distilled", m -> m.with("sampling").put("pipeline", "LTXPipeline"));
        KinoException p = assertThrows(KinoException.class, () -> ModelPackage.open(pipeline));
        assertTrue(p.getMessage().contains("sampling.pipeline"), p.getMessage());
    }

    @Test
    void aManifestMissingTheDecodersNoiseInputsIsRefusedAtLoad() throws IOException {
        Path noPlanes = edited("tiny-ltx-091", m -> ((ObjectNode) m.get("vae")).remove("injected_noise"));
        KinoException e = assertThrows(KinoException.class, () -> TextToVideoPipeline.load(noPlanes, Device.CPU).close());
        assertTrue(e.getMessage().contains("injected_noise_0"), e.getMessage());
    }
}
