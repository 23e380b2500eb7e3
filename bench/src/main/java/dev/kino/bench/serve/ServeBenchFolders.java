package dev.kino.bench.serve;

import dev.kino.KinoException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What every {@code kino bench serve-*} command starts from: the kino program to serve with and a new results folder. */
final class ServeBenchFolders {
    @Option(names = "--kino-jar", defaultValue = "engine/cli/target/kino.jar",
            description = "The kino program to serve with (default: ${DEFAULT-VALUE}).")
    Path kinoJar;

    @Option(names = "--out", required = true, description = "Folder for the server's data and results.json (must not exist).")
    Path out;

    /** The kino program, checked to be there. */
    Path kinoJar() {
        if (!Files.isRegularFile(kinoJar)) {
            throw new KinoException("There is no kino program at " + kinoJar + "; build it (./kino --version) or give --kino-jar.");
        }
        return kinoJar;
    }

    /** Creates the results folder, refusing one that exists (a run never mixes with an earlier one's files). */
    Path createOut() throws IOException {
        if (Files.exists(out)) {
            throw new KinoException("--out " + out + " exists; give a new folder.");
        }
        return Files.createDirectories(out);
    }
}
