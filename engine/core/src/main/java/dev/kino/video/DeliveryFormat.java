package dev.kino.video;

import dev.kino.KinoException;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The file formats a take or a cut can be delivered in; every surface ({@code kino render --format}, the
 * server's cut export) takes its choices from here.
 */
public enum DeliveryFormat {
    /** H.264 MP4 (yuv420p): the preview browsers play; always written. */
    MP4("mp4", ".mp4"),
    /** Apple ProRes 422 HQ in a QuickTime {@code .mov} (FFmpeg's {@code prores_ks}, profile 3, yuv422p10le). */
    PRORES("prores", ".mov"),
    /** A folder of 16-bit RGB PNGs ({@code frame-0001.png}, ... in rgb48be), one per frame. */
    PNG16("png16", "");

    private final String id;
    private final String extension;

    DeliveryFormat(String id, String extension) {
        this.id = id;
        this.extension = extension;
    }

    /** The name users type ({@code mp4}, {@code prores}, {@code png16}). */
    public String id() {
        return id;
    }

    /** Where the deliverable of {@code stem} (a path without extension, such as {@code 01-opening/take-01}) goes. */
    public Path target(Path stem) {
        return stem.resolveSibling(stem.getFileName() + extension);
    }

    /** The format named {@code name}, case-insensitively. */
    public static DeliveryFormat parse(String name) {
        for (DeliveryFormat f : values()) {
            if (f.id.equals(name.trim().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new KinoException("Unknown format \"" + name + "\"; choose one of " + names() + ".");
    }

    /** The names, comma-separated. */
    public static String names() {
        return Arrays.stream(values()).map(DeliveryFormat::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id;
    }
}
