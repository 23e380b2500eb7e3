package dev.kino.demo;

import java.nio.file.Path;

/** Child JVM for {@link EmbeddedModelCacheTest}: unpacks classpath package args[0] into args[1], prints the folder. */
public final class ExtractMain {
    private ExtractMain() {
    }

    public static void main(String[] args) {
        System.out.println(EmbeddedModel.extract(args[0], Path.of(args[1])));
    }
}
