package dev.kino;

import dev.kino.cli.KinoCli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The test model packages made by models/fixtures/make_fixtures.py, and a way to run the CLI in-process. */
public final class Fixtures {
    public static final String UNET = "unet3d-ddim";
    public static final String UNET_FIXED_BATCH = "unet3d-fixed-batch";
    public static final String UNET_FP16 = "unet3d-fp16";
    public static final String DIT_FLOW = "dit-flow";

    private Fixtures() {
    }

    public static Path dir(String name) {
        return Path.of("src", "test", "resources", "fixtures", name).toAbsolutePath();
    }

    /** A private copy of a fixture package, for tests that break it. */
    public static Path copy(String name, Path into) {
        Path target = into.resolve(name);
        try (Stream<Path> files = Files.list(dir(name))) {
            Files.createDirectories(target);
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    /** Exit code and both streams of one in-process {@code kino} run. */
    public record CliRun(int exitCode, String out, String err) {
    }

    public static CliRun kino(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = KinoCli.run(args, o, e);
        }
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
