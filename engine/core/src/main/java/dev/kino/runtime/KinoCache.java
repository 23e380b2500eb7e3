package dev.kino.runtime;

import java.nio.file.Path;

/** Where Kino keeps what it unpacks once per machine (the built-in model, native libraries). */
public final class KinoCache {
    private KinoCache() {
    }

    /** The cache root: {@code $KINO_CACHE}, else {@code $XDG_CACHE_HOME/kino}, else {@code ~/.cache/kino}. */
    public static Path root() {
        String kino = System.getenv("KINO_CACHE");
        if (kino != null && !kino.isBlank()) {
            return Path.of(kino);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("kino");
    }
}
