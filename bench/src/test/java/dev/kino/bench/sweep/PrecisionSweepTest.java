package dev.kino.bench.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.bench.Bench;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.sweep.io.BenchJson;
import dev.kino.sweep.quality.QualityFigures;
import dev.kino.sweep.quality.VideoQuality;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Precision as a sweep axis, on the tiny Wan 2.1 package and its committed int8 and w4 packages (found beside it by
 * name): every mode's cell is compared with the fp32 cell of the same steps, and its figures are exactly those of
 * the mode's package rendered by the library against the fp32 package's render at those steps. A sweep that ignored
 * the axis (every mode on the fp32 package) would report a distance of 0, and one comparing with another fp32
 * cell (other steps) other figures.
 */
class PrecisionSweepTest {
    private static final Path WAN = Bench.fixture("x").getParent().resolveSibling("wan");
    private static final String PROMPT = "A red fox runs through fresh snow.";
    private static final List<String> MODES = List.of("int8", "w4");

    @TempDir
    Path tmp;

    @Test
    void eachModeIsComparedWithTheFp32CellOfTheSameSteps() throws IOException {
        Path fp32 = copy(tmp.resolve("tiny-wan21"), WAN.resolve("tiny-wan21"));
        for (String mode : MODES) {
            copy(tmp.resolve("tiny-wan21-" + mode), WAN.resolve("tiny-wan21"), WAN.resolve("tiny-wan21-" + mode));
        }
        Path out = tmp.resolve("sweep");
        Bench.Run run = Bench.ok("sweep", "--model", fp32.toString(), "--precision", "fp32,int8,w4", "--prompt", PROMPT,
                "--seeds", "3", "--steps", "2,3", "--reference-steps", "4", "--threads", "1", "--device", "cpu",
                "-q", "--out", out.toString());
        assertTrue(run.out().contains("precision") && run.out().contains("vs fp32"), run.out());

        JsonNode runs = BenchJson.MAPPER.readTree(out.resolve("results.json").toFile()).get("runs");
        assertEquals(6, runs.size(), "2 step counts x 3 modes: " + runs);
        Map<String, Map<Integer, GenerationResult>> rendered = new HashMap<>();
        for (String mode : List.of("fp32", "int8", "w4")) {
            Path pkg = mode.equals("fp32") ? fp32 : tmp.resolve("tiny-wan21-" + mode);
            try (TextToVideoPipeline kino = TextToVideoPipeline.load(dev.kino.model.ModelPackage.open(pkg),
                    OnnxRuntime.create(Device.CPU, 1))) {
                for (int steps : List.of(2, 3)) {
                    rendered.computeIfAbsent(mode, k -> new HashMap<>()).put(steps, kino.generate(
                            GenerationRequest.builder(PROMPT).seed(3L).steps(steps).build(), e -> true));
                }
            }
        }
        int compared = 0;
        for (JsonNode cell : runs) {
            String mode = cell.get("precision").asText();
            int steps = cell.get("steps").asInt();
            assertTrue(cell.get("quality").get("latent_relative_l2").isNumber(), "compared with its reference too");
            if (mode.equals("fp32")) {
                assertTrue(cell.get("vs_fp32").isNull(), cell.toString());
                continue;
            }
            assertEquals(tmp.resolve("tiny-wan21-" + mode).toString(), cell.get("model").get("dir").asText(),
                    "the " + mode + " cell ran on the " + mode + " package");
            GenerationResult got = rendered.get(mode).get(steps);
            GenerationResult base = rendered.get("fp32").get(steps);
            QualityFigures want = VideoQuality.compare(got.frames(), got.latents(), base.frames(), base.latents());
            JsonNode vs = cell.get("vs_fp32");
            double distance = vs.get("latent_relative_l2").asDouble();
            System.out.printf("tiny Wan, %s, %d steps, vs fp32: %.2f dB, SSIM %.5f, latent %.5f%n", mode, steps,
                    vs.get("psnr_db").asDouble(), vs.get("ssim").asDouble(), distance);
            assertTrue(distance > 0, mode + " rendered exactly the fp32 latents: the axis was ignored");
            assertEquals(want.latentRelativeL2(), distance, 1e-12, mode + " " + steps + " steps: latent distance");
            assertEquals(want.psnrMeanDb(), vs.get("psnr_db").asDouble(), 1e-9, mode + " " + steps + " steps: PSNR");
            assertEquals(want.ssimMean(), vs.get("ssim").asDouble(), 1e-12, mode + " " + steps + " steps: SSIM");
            compared++;
        }
        assertEquals(4, compared);
        String csv = Files.readString(out.resolve("results.csv"));
        assertTrue(csv.lines().findFirst().orElseThrow().contains("precision"), "the CSV has the axis");
        assertTrue(Files.readString(out.resolve("report.html")).contains("vs fp32"), "the report has the figures");
    }

    @Test
    void aModeWithoutAPackageIsOneSentenceAndNothingIsWritten() throws IOException {
        Path fp32 = copy(tmp.resolve("tiny-wan21"), WAN.resolve("tiny-wan21"));
        Path out = tmp.resolve("sweep");
        Bench.Run run = Bench.run("sweep", "--model", fp32.toString(), "--precision", "fp32,w8", "--prompt", PROMPT,
                "--steps", "2", "--device", "cpu", "-q", "--out", out.toString());
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().contains("No package for the precision mode w8 at " + tmp.resolve("tiny-wan21-w8")), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
        assertFalse(Files.exists(out), "nothing written");

        Path w4 = copy(tmp.resolve("w4"), WAN.resolve("tiny-wan21"), WAN.resolve("tiny-wan21-w4"));
        Bench.Run mislabelled = Bench.run("sweep", "--model", fp32.toString(), "--precision", "fp32,int8",
                "--precision-package", "int8=" + w4, "--prompt", PROMPT, "--steps", "2", "--device", "cpu", "-q",
                "--out", out.toString());
        assertEquals(1, mislabelled.exitCode(), mislabelled.err());
        assertTrue(mislabelled.err().contains("holds w4 weights, not int8"), mislabelled.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    /** {@code to}: the files of {@code from} in order, later folders' files replacing earlier ones (overlays). */
    private static Path copy(Path to, Path... from) throws IOException {
        Files.createDirectories(to);
        for (Path dir : from) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(f -> !f.getFileName().toString().equals("OVERLAY")).toList()) {
                    Files.copy(f, to.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }
}
