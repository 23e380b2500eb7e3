package dev.kino.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The engine's fixture packages and the demo model seen from bench/, and in-process {@code kino bench} runs. */
public final class Bench {
    public static final String UNET = "unet3d-ddim";
    public static final String DIT_FLOW = "dit-flow";

    private Bench() {
    }

    public static Path fixture(String name) {
        return Path.of("..", "engine", "core", "src", "test", "resources", "fixtures", name).toAbsolutePath().normalize();
    }

    /** The trained demo model's package in the repository. */
    public static Path demoModel() {
        return Path.of("..", "models", "demo", "package").toAbsolutePath().normalize();
    }

    /** Exit code and both streams of one in-process {@code kino bench} run. */
    public record Run(int exitCode, String out, String err) {
    }

    public static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = BenchCli.run(args, o, e);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs and fails the test with both streams when the exit code is not 0. */
    public static Run ok(String... args) {
        Run r = run(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("kino bench " + String.join(" ", args) + " exited " + r.exitCode()
                    + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err());
        }
        return r;
    }
}
