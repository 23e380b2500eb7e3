package dev.kino.shots;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Where a file a shot names (a picture, a video, a LoRA) is: {@code kino render} reads paths relative to
 * the shot list's folder; the server reads only pictures uploaded to it, by content hash ({@code sha256:HEX}), so a
 * shot list sent over HTTP can never name a file on the server.
 */
@FunctionalInterface
public interface PictureFiles {

    /**
     * The file {@code reference} names.
     *
     * @throws IllegalArgumentException with the problem (lower case, no full stop), e.g. "names /a/b.png, which is
     *                                  not a file; ..."
     */
    Path find(String reference);

    /**
     * The file {@code reference} names for {@code setting}: the same as {@link #find(String)} unless where a file
     * is looked up depends on what it is for (a server keeps uploaded pictures, videos and LoRAs apart).
     */
    default Path find(dev.kino.request.Setting<?> setting, String reference) {
        return find(reference);
    }

    /** Pictures are not accepted (a shot list not read from a file, with nowhere to look). */
    PictureFiles NONE = reference -> {
        throw new IllegalArgumentException("names a picture file, but this shot list was not read from a file, so"
                + " there is no folder to find it in");
    };

    /** Paths relative to {@code folder} (absolute paths as they are); the file must exist. */
    static PictureFiles relativeTo(Path folder) {
        return reference -> {
            try {
                Path file = folder.resolve(reference).toAbsolutePath().normalize();
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("names " + file + ", which is not a file; check the path (it"
                            + " is relative to the shot list's folder)");
                }
                return file;
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("\"" + reference + "\" is not a file path");
            }
        };
    }
}
