package dev.kino.cli;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kino generate --experts one|both|auto} on the tiny Wan 2.2 package: the same video either way; {@code kino
 * serve --experts} reaches the server's configuration ({@code ExpertResidencySurfacesTest} in engine/spark renders
 * through {@code kino render}, the server and Spark).
 */
class ExpertsOptionTest {
    private static final Path TINY = Fixtures.testResources().resolve("wan/tiny-wan22");

    @TempDir
    Path tmp;

    private Cli.Run generate(String experts) {
        return Cli.kino("generate", "a red fox", "--model", TINY.toString(), "--steps", "4", "--experts", experts,
                "--latents-out", tmp.resolve(experts + ".npy").toString(), "-o", tmp.resolve(experts + ".mp4").toString());
    }

    @Test
    void oneAtATimeWritesTheSameLatentsAndMp4AsBoth() throws Exception {
        Cli.Run both = generate("both");
        assertEquals(0, both.exitCode(), both.err());
        assertFalse(both.err().contains("one at a time"), both.err());
        Cli.Run one = generate("one");
        assertEquals(0, one.exitCode(), one.err());
        assertTrue(one.err().contains("Denoiser experts loaded one at a time"), one.err());
        assertArrayEquals(Files.readAllBytes(tmp.resolve("both.npy")), Files.readAllBytes(tmp.resolve("one.npy")));
        assertArrayEquals(Files.readAllBytes(tmp.resolve("both.mp4")), Files.readAllBytes(tmp.resolve("one.mp4")));
    }

    @Test
    void kinoServeHandsItsChoiceToTheServer() {
        for (String[] c : new String[][] {{"one", "ONE"}, {"both", "BOTH"}, {null, "AUTO"}}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("serve", "--devices", "none"));
            if (c[0] != null) {
                args.addAll(java.util.List.of("--experts", c[0]));
            }
            picocli.CommandLine.ParseResult parsed = KinoCli.command().parseArgs(args.toArray(String[]::new));
            ServeCommand serve = (ServeCommand) parsed.subcommand().commandSpec().userObject();
            assertEquals(dev.kino.pipeline.ExpertResidency.valueOf(c[1]), serve.config().experts(), String.join(" ", args));
        }
    }

    @Test
    void anUnknownChoiceIsOneSentenceAndWritesNothing() throws Exception {
        Cli.Run r = generate("half");
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("one, both or auto"), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count(), "nothing written");
        }
    }
}
