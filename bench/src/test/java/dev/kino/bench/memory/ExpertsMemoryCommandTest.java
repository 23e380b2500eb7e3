package dev.kino.bench.memory;

import dev.kino.bench.Bench;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpertsMemoryCommandTest {

    /** One round on the tiny Wan 2.2 package at its own size: both modes run, peak each, identical MP4s (no bound on the figures). */
    @Test
    void measuresBothModesAndChecksTheMp4sAreIdentical(@TempDir Path tmp) {
        Bench.Run r = Bench.ok("experts-memory", "--model", Path.of("..", "engine", "core", "src", "test", "resources",
                        "wan", "tiny-wan22").toAbsolutePath().normalize().toString(), "--size", "48x32x9",
                "--rounds", "1", "--out", tmp.resolve("out").toString());
        assertTrue(r.out().contains("round 1, both: peak "), r.out());
        assertTrue(r.out().contains("round 1, one: peak "), r.out());
        assertTrue(r.out().contains("| one at a time | "), r.out());
        assertTrue(r.out().contains("MP4s byte-identical: true"), r.out());
    }
}
