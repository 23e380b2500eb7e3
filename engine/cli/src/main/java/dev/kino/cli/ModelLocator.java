package dev.kino.cli;

import dev.kino.demo.DemoModel;

import java.nio.file.Path;

/** Which model package a command uses: the one given with {@code --model}, else the built-in demo model. */
final class ModelLocator {
    private ModelLocator() {
    }

    static Path resolve(Path given) {
        // extract() says in one sentence when this build has no built-in model.
        return given != null ? given : DemoModel.folder();
    }
}
