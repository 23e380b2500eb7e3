package dev.kino.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A precision mode is a package: a Spark row naming the committed w4 tiny Wan package renders the MP4 that
 * {@code kino generate --model} writes for it, and not the fp32 package's.
 */
class PrecisionPackagesSparkTest {
    private static final Path WAN = Path.of("../core/src/test/resources/wan").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void aW4PackageRendersAsASparkRowAsKinoGenerateRendersIt() throws IOException {
        Path w4 = tmp.resolve("tiny-wan21-w4");
        Files.createDirectories(w4);
        for (Path from : new Path[] {WAN.resolve("tiny-wan21"), WAN.resolve("tiny-wan21-w4")}) {   // the w4 overlay
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : files.filter(f -> !f.getFileName().toString().equals("OVERLAY")).toList()) {
                    Files.copy(f, w4.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "modes", "seed": 5, "defaults": {"steps": 2, "model": "%s"},
                 "shots": [{"name": "fox", "prompt": "a red fox in the snow"}]}
                """.formatted(w4.toString().replace("\\", "\\\\")));
        Path out = tmp.resolve("out");
        RenderJob.Summary s = RenderJobTest.render(null, "--shots", list.toString(), "--out", out.toString());
        assertEquals(1, s.count(RenderOutcome.RENDERED), s.outcomes().toString());
        RenderOutcome o = s.outcomes().get(0);
        byte[] row = Files.readAllBytes(Path.of(java.net.URI.create(o.output())));

        Path single = tmp.resolve("single.mp4");
        RenderJobTest.Run gen = RenderJobTest.kino("generate", o.prompt(), "--model", w4.toString(), "--steps", "2",
                "--seed", Long.toString(o.seed()), "--device", "cpu", "-o", single.toString(), "-q");
        assertEquals(0, gen.code(), gen.err());
        assertArrayEquals(Files.readAllBytes(single), row, "the Spark row equals kino generate with the w4 package");

        Path fp32 = tmp.resolve("fp32.mp4");
        RenderJobTest.Run plain = RenderJobTest.kino("generate", o.prompt(), "--model", WAN.resolve("tiny-wan21").toString(),
                "--steps", "2", "--seed", Long.toString(o.seed()), "--device", "cpu", "-o", fp32.toString(), "-q");
        assertEquals(0, plain.code(), plain.err());
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(fp32), row), "the row rendered the fp32 package");
    }
}
