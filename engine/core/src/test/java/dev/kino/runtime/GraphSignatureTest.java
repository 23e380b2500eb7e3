package dev.kino.runtime;

import dev.kino.Fixtures;
import dev.kino.KinoException;
import dev.kino.model.ModelGraphs;
import dev.kino.model.ModelPackage;
import dev.kino.model.PackageSignatures;
import dev.kino.pipeline.GenerationPlanner;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.TextToVideoPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX header reader agrees with ONNX Runtime's sessions on every graph of every test package (names, element
 * types, shapes, dimension names), so planning from signatures plans what a loaded pipeline plans.
 */
class GraphSignatureTest {

    private static List<Path> packages() throws IOException {
        try (Stream<Path> files = Files.walk(Fixtures.testResources())) {
            return files.filter(f -> f.getFileName().toString().equals("kino.json")).map(Path::getParent).sorted().toList();
        }
    }

    @Test
    void theHeaderSaysWhatTheSessionSaysForEveryGraph() throws IOException {
        List<Path> packages = packages();
        assertTrue(packages.size() >= 12, "the fixtures, Wan, Wan I2V and LTX test packages: " + packages);
        int graphs = 0;
        for (Path dir : packages) {
            ModelPackage pkg;
            try {
                pkg = ModelPackage.open(dir);
            } catch (KinoException e) {
                continue; // a manifest-only test package (its graphs live in another one)
            }
            try (ModelGraphs open = ModelGraphs.open(pkg, OnnxRuntime.create(Device.CPU))) {
                // the headers name the same graphs, in the same order and roles, as the open sessions
                assertEquals(open.all().stream().map(g -> g.role() + " " + g.file()).toList(),
                        PackageSignatures.read(pkg).all().stream().map(g -> g.role() + " " + g.file()).toList(),
                        dir.toString());
                for (OnnxModel g : open.all()) {
                    GraphSignature read = GraphSignature.read(g.file(), g.role());
                    same(g.signature().inputs(), read.inputs(), g.file() + " inputs", true);
                    same(g.signature().outputs(), read.outputs(), g.file() + " outputs", false);
                    graphs++;
                }
            }
        }
        assertTrue(graphs >= 30, graphs + " graphs compared");
    }

    /**
     * Inputs are the same to the letter. An output's dimensions may be more specific in the session: ONNX Runtime
     * infers a symbolic output dimension where it can; the header says what the file declares.
     */
    private static void same(Map<String, Port> session, Map<String, Port> header, String what, boolean exact) {
        assertEquals(new ArrayList<>(session.keySet()), new ArrayList<>(header.keySet()), what);
        for (String name : session.keySet()) {
            Port a = session.get(name);
            Port b = header.get(name);
            assertEquals(a.type(), b.type(), what + " " + name);
            if (exact) {
                assertEquals(a.describe(), b.describe(), what + " " + name);
                assertTrue(Arrays.equals(a.shape(), b.shape()), what + " " + name);
            } else {
                assertEquals(a.rank(), b.rank(), what + " " + name);
                for (int axis = 0; axis < a.rank(); axis++) {
                    assertTrue(b.isDynamic(axis) || b.shape()[axis] == a.shape()[axis], what + " " + name + ": "
                            + a.describe() + " vs " + b.describe());
                }
            }
        }
    }

    @Test
    void aPlanMadeWithoutLoadingTheModelIsThePlanTheLoadedModelMakes() {
        for (String fixture : List.of(Fixtures.UNET, Fixtures.DIT_FLOW)) {
            ModelPackage pkg = ModelPackage.open(Fixtures.dir(fixture));
            GenerationRequest r = GenerationRequest.builder("a red circle").steps(3).seed(5L).build();
            GenerationPlanner planner = GenerationPlanner.of(pkg);
            try (TextToVideoPipeline kino = TextToVideoPipeline.load(pkg, OnnxRuntime.create(Device.CPU))) {
                assertEquals(kino.plan(r).fingerprint(), planner.plan(r).fingerprint(), fixture);
            }
            KinoException e = assertThrows(KinoException.class,
                    () -> planner.plan(GenerationRequest.builder("x").width(12).build()));
            assertTrue(e.getMessage().contains("multiple of"), e.getMessage());
        }
    }

    @Test
    void aManifestThatDoesNotMatchItsGraphsIsRefusedWithoutLoadingThem(@TempDir Path tmp) throws IOException {
        Path dir = Fixtures.copy(Fixtures.UNET, tmp);
        Path manifest = dir.resolve("kino.json");
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\"sample\": \"sample\"", "\"sample\": \"latents_in\""));
        KinoException e = assertThrows(KinoException.class, () -> PackageSignatures.read(ModelPackage.open(dir)));
        assertTrue(e.getMessage().contains("has no input named \"latents_in\""), e.getMessage());
    }

    @Test
    void aFileThatIsNoOnnxModelIsOneSentence(@TempDir Path tmp) throws IOException {
        Path junk = tmp.resolve("junk.onnx");
        Files.write(junk, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        KinoException e = assertThrows(KinoException.class, () -> GraphSignature.read(junk, "denoiser"));
        assertTrue(e.getMessage().startsWith("The denoiser file ") && e.getMessage().endsWith("export it again."),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
