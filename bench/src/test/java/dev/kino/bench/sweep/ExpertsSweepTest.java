package dev.kino.bench.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.bench.Bench;
import dev.kino.bench.BenchCli;
import dev.kino.commandline.ExpertsOption;
import dev.kino.sweep.io.BenchJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kino bench sweep --experts one} on the committed tiny Wan 2.2 package (two experts): the same stored runs
 * as with both experts resident, each run's record showing the engine's expert sessions, one expert at a time, and
 * the choice is part of the folder's identity (its timings include reading each expert again per run), so a sweep
 * with the other choice cannot resume in that folder.
 */
class ExpertsSweepTest {
    private static final Path TINY = Bench.fixture("x").getParent().resolveSibling("wan").resolve("tiny-wan22");
    /** Every run after the warm-up: the low-noise expert of the run before closes, then each opens in turn. */
    private static final List<String> ONE_AT_A_TIME = List.of("close 1", "open 0", "close 0", "open 1");

    @TempDir
    Path tmp;

    private Bench.Run sweep(String experts, Path out) {
        return Bench.run("sweep", "--model", TINY.toString(), "--prompt", "a red fox", "--schedulers", "flow-unipc",
                "--steps", "2,3", "--reference-steps", "4", "--threads", "1", "--device", "cpu", "-q",
                "--experts", experts, "--out", out.toString());
    }

    @Test
    void theSweepTakesTheSameOptionAsEveryOtherSurface() {
        class Holder {
            @CommandLine.Mixin
            ExpertsOption experts;
        }
        CommandLine.Model.OptionSpec own = new CommandLine(new Holder()).getCommandSpec().findOption("--experts");
        CommandLine.Model.OptionSpec sweep = new CommandLine(new BenchCli()).getSubcommands().get("sweep")
                .getCommandSpec().findOption("--experts");
        assertTrue(sweep != null, "kino bench sweep takes --experts");
        assertArrayEquals(own.description(), sweep.description());
        assertEquals("auto", sweep.defaultValue());
    }

    @Test
    void oneAtATimeStoresWhatBothResidentStoreAndTheLogShowsOneExpertAtATime() throws IOException {
        Path both = tmp.resolve("both");
        Path one = tmp.resolve("one");
        Bench.Run b = sweep("both", both);
        assertEquals(0, b.exitCode(), b.err());
        Bench.Run o = sweep("one", one);
        assertEquals(0, o.exitCode(), o.err());

        List<Path> files = runFiles(both);
        assertTrue(files.stream().anyMatch(f -> f.endsWith("latents.npy")), files.toString());
        assertTrue(files.size() >= 7, files.toString());   // the reference's latents and frames, each run's video and strip
        assertEquals(files, runFiles(one));
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(both.resolve(f)), Files.readAllBytes(one.resolve(f)), f.toString());
        }

        List<JsonNode> oneRuns = results(one);
        assertEquals(3, oneRuns.size(), "the reference and two cells");
        for (JsonNode r : oneRuns) {
            assertEquals(ONE_AT_A_TIME, sessions(r), r.path("id").asText() + ": each expert opened after the other closed");
        }
        for (JsonNode r : results(both)) {
            assertEquals(List.of(), sessions(r), "both resident: no expert opened per run");
        }
        assertEquals("one", BenchJson.MAPPER.readTree(one.resolve("sweep.json").toFile()).path("experts").asText());
        assertTrue(BenchJson.MAPPER.readTree(both.resolve("sweep.json").toFile()).path("experts").isNull());

        // The other choice cannot resume in the folder: its timings would not compare.
        Bench.Run mixed = sweep("both", one);
        assertEquals(1, mixed.exitCode(), mixed.err());
        assertTrue(mixed.err().contains("both experts resident instead of one at a time"), mixed.err());
        assertFalse(mixed.err().contains("Exception"), mixed.err());
    }

    private static List<String> sessions(JsonNode result) {
        List<String> out = new ArrayList<>();
        result.path("expert_sessions").forEach(e -> out.add(e.asText()));
        return out;
    }

    /** Every run's {@code result.json} (references and cells) in the folder. */
    private static List<JsonNode> results(Path folder) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals("result.json")).sorted().toList()) {
                out.add(BenchJson.MAPPER.readTree(f.toFile()));
            }
        }
        return out;
    }

    /** The runs' stored outputs (latents, frames, strips, videos), relative to the sweep folder, sorted. */
    private static List<Path> runFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(f -> f.getFileName().toString().matches("latents\\.npy|frames\\.png|strip\\.png|video\\.mp4"))
                    .map(folder::relativize).sorted().toList();
        }
    }
}
