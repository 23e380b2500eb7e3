package dev.kino.spark;

import dev.kino.KinoException;
import dev.kino.sweep.CellResult;
import dev.kino.sweep.PrecisionAxis;
import dev.kino.sweep.Sweep;
import dev.kino.sweep.SweepResults;
import dev.kino.sweep.SweepSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SweepJob's precision axis, the local sweep's options ({@code --precision}, shared through SweepOptions), on the
 * tiny Wan 2.1 package and its committed int8 and w4 overlays found beside it by name: each mode's cells run on that
 * mode's package on the executors, and every cell's figures, against its reference and against the fp32 cell of the
 * same settings, equal those of {@code kino bench sweep} on the same grid at one ONNX Runtime thread (a local[2]
 * task's spark.task.cpus; quantized kernels' sums differ in the last bit between thread counts). A job that ran the
 * modes on the fp32 package would report a distance of 0 to fp32.
 */
class PrecisionSweepJobTest {
    private static final Path WAN = Path.of("../core/src/test/resources/wan").toAbsolutePath().normalize();
    private static final List<String> MODES = List.of("int8", "w4");

    @TempDir
    Path tmp;

    @Test
    void eachModesCellsRunOnItsPackageWithTheLocalSweepsFigures() throws IOException {
        Path fp32 = overlay(tmp.resolve("tiny-wan21"), WAN.resolve("tiny-wan21"));
        for (String mode : MODES) {
            overlay(tmp.resolve("tiny-wan21-" + mode), WAN.resolve("tiny-wan21"), WAN.resolve("tiny-wan21-" + mode));
        }
        SweepSpec spec = SweepSpec.builder(fp32).prompts(List.of("a red fox in the snow")).seeds(List.of(3L))
                .steps(List.of(2, 3)).reference(4, null).device("cpu").threads(1).build();
        SweepResults local = Sweep.run(spec.withPrecisions(PrecisionAxis.resolve(fp32, List.of("fp32", "int8", "w4"),
                Map.of())), tmp.resolve("local"), null);

        SweepJob job = new SweepJob();
        new CommandLine(job).parseArgs("--model", fp32.toString(), "--prompt", "a red fox in the snow", "--seeds", "3",
                "--steps", "2,3", "--reference-steps", "4", "--precision", "fp32,int8,w4",
                "--out", tmp.resolve("spark").toString());
        SweepResults spark = job.run(LocalSpark.session());

        assertEquals(7, spark.ran(), "a reference and 2 step counts x 3 modes");
        assertEquals(6, local.cells().size());
        Map<String, CellResult> byId = spark.cells().stream().collect(Collectors.toMap(CellResult::id, Function.identity()));
        int compared = 0;
        for (CellResult want : local.cells()) {
            CellResult got = byId.get(want.id());
            assertTrue(got != null, want.id() + " is in the Spark sweep");
            assertEquals(want.precision(), got.precision());
            assertEquals(want.model().dir(), got.model().dir(), want.id() + " ran on its mode's package");
            assertEquals(want.quality(), got.quality(), want.id() + ": figures against the reference");
            assertEquals(want.vsFp32(), got.vsFp32(), want.id() + ": figures against the fp32 cell");
            if (!want.precision().equals(PrecisionAxis.FP32)) {
                assertTrue(got.vsFp32().latentRelativeL2() > 0, want.id() + " rendered the fp32 latents: the axis was ignored");
                compared++;
            }
        }
        assertEquals(4, compared);
    }

    @Test
    void aModeWithoutAPackageIsOneSentenceAndNothingIsWritten() throws IOException {
        Path fp32 = overlay(tmp.resolve("tiny-wan21"), WAN.resolve("tiny-wan21"));
        Path out = tmp.resolve("spark");
        SweepJob job = new SweepJob();
        new CommandLine(job).parseArgs("--model", fp32.toString(), "--prompt", "a red fox", "--steps", "2",
                "--precision", "fp32,w8", "--out", out.toString());
        KinoException e = assertThrows(KinoException.class, () -> job.run(LocalSpark.session()));
        assertTrue(e.getMessage().startsWith("No package for the precision mode w8 at " + tmp.resolve("tiny-wan21-w8")),
                e.getMessage());
        assertFalse(Files.exists(out), "nothing written");
    }

    /** {@code to}: the files of {@code from} in order, later folders' files replacing earlier ones (the overlays). */
    private static Path overlay(Path to, Path... from) throws IOException {
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
