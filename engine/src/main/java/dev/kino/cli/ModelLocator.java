package dev.kino.cli;

import dev.kino.KinoException;

import java.nio.file.Path;

/** Which model package a command uses: the one given with {@code --model}. */
final class ModelLocator {
    private ModelLocator() {
    }

    static Path resolve(Path given) {
        if (given != null) {
            return given;
        }
        throw new KinoException("No model given; pass --model DIR with a Kino model package folder (one holding kino.json).");
    }
}
