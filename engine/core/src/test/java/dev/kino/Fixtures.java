package dev.kino;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The test model packages made by models/fixtures/make_fixtures.py. They live in kino-core's test resources and
 * serve every module's tests (through kino-core's test jar), so they are found from the repository root.
 */
public final class Fixtures {
    public static final String UNET = "unet3d-ddim";
    public static final String UNET_FIXED_BATCH = "unet3d-fixed-batch";
    public static final String UNET_FP16 = "unet3d-fp16";
    public static final String DIT_FLOW = "dit-flow";

    private Fixtures() {
    }

    public static Path dir(String name) {
        return testResources().resolve("fixtures").resolve(name);
    }

    /** kino-core's {@code src/test/resources}, found by walking up from the working folder of any module. */
    public static Path testResources() {
        Path inCore = Path.of("engine", "core", "src", "test", "resources");
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve(inCore))) {
                return d.resolve(inCore);
            }
        }
        throw new IllegalStateException("Run the tests inside the Kino repository: " + inCore + " not found.");
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

    /**
     * A package folder ready to load: {@code folder} itself, or, for a fixture that holds only what differs
     * from a sibling package (the name of which is in its {@code OVERLAY} file), that package's files with
     * the fixture's laid over them, copied into {@code into}.
     */
    public static Path overlaid(Path folder, Path into) {
        Path overlay = folder.resolve("OVERLAY");
        if (!Files.exists(overlay)) {
            return folder;
        }
        try {
            Path base = folder.resolveSibling(Files.readString(overlay).strip());
            Path target = Files.createDirectories(into.resolve(folder.getFileName().toString()));
            for (Path src : new Path[] {base, folder}) {
                try (Stream<Path> files = Files.list(src)) {
                    for (Path f : files.filter(f -> !f.getFileName().toString().equals("OVERLAY")).toList()) {
                        Files.copy(f, target.resolve(f.getFileName().toString()),
                                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
