package dev.kino.cli;

import dev.kino.KinoException;
import dev.kino.tensor.FloatTensor;
import dev.kino.tensor.NpyFormat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes {@code --latents-out}: a float tensor as a NumPy {@code .npy} file ({@link NpyFormat}), atomically. */
final class NpyFile {
    private NpyFile() {
    }

    static void write(FloatTensor t, Path file) {
        Path target = file.toAbsolutePath().normalize();
        Path temp = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            Files.write(temp, NpyFormat.encode(t));
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new KinoException("Cannot write the latents to " + target + ": " + e.getMessage()
                    + "; choose another --latents-out path.", e);
        }
    }
}
