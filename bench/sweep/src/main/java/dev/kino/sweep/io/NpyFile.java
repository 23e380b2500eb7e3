package dev.kino.sweep.io;

import dev.kino.tensor.FloatTensor;
import dev.kino.tensor.NpyFormat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Float32 tensors as NumPy {@code .npy} files ({@link NpyFormat}), written atomically, so that a reference's
 * latents can be cached between runs and also opened with {@code numpy.load} for analysis.
 */
public final class NpyFile {
    private NpyFile() {
    }

    public static void write(Path target, FloatTensor tensor) {
        AtomicFiles.write(target, temp -> Files.write(temp, encode(tensor)));
    }

    static byte[] encode(FloatTensor tensor) {
        return NpyFormat.encode(tensor);
    }

    public static FloatTensor read(Path file) throws IOException {
        return NpyFormat.decode(Files.readAllBytes(file), file.toString());
    }
}
