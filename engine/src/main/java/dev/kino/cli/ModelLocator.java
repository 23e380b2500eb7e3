package dev.kino.cli;

import dev.kino.KinoException;
import dev.kino.model.EmbeddedModel;

import java.nio.file.Path;

/** Which model package a command uses: the one given with {@code --model}, else the built-in demo model. */
final class ModelLocator {
    private ModelLocator() {
    }

    static Path resolve(Path given) {
        if (given != null) {
            return given;
        }
        if (EmbeddedModel.available(EmbeddedModel.DEMO)) {
            return EmbeddedModel.extract(EmbeddedModel.DEMO);
        }
        throw new KinoException("No model given and this build has no built-in model; pass --model DIR with a"
                + " Kino model package folder (one holding kino.json).");
    }
}
