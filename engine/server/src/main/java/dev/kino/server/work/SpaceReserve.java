package dev.kino.server.work;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Disk space set aside in the data folder ({@code reserve}, 1 MiB of zeros) so that a full disk can never strand a
 * job as {@code running}: SQLite needs a few free pages to record that a job failed, and on a disk filled to the
 * last byte it has none. When recording how a job ended fails, the worker {@link #release releases} the reserve
 * and writes again. While the reserve is released no job is claimed and the API refuses new writes (507), so the
 * freed space serves only the jobs that were running when the disk filled. It is {@link #restore restored} once
 * twice its size is free again, so it cannot flap on a disk that is still nearly full.
 */
public final class SpaceReserve {
    static final String FILE = "reserve";
    static final int SIZE = 1 << 20;

    private final Path file;

    SpaceReserve(Path dataDir) {
        this.file = dataDir.resolve(FILE);
    }

    /** True while the reserve is on disk, whole. */
    public synchronized boolean held() {
        try {
            return Files.size(file) == SIZE;
        } catch (IOException e) {
            return false;
        }
    }

    /** Frees the reserve's space; true if there was a reserve to free. */
    synchronized boolean release() {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Puts the reserve back if twice its size is free; true when it is held afterwards. A disk without that much
     * room leaves it released (nothing half-written stays behind).
     */
    public synchronized boolean restore() {
        if (held()) {
            return true;
        }
        try {
            if (Files.getFileStore(file.getParent()).getUsableSpace() < 2L * SIZE) {
                return false;
            }
            Files.deleteIfExists(file);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ownerOnly();
                ByteBuffer zeros = ByteBuffer.allocate(SIZE);
                while (zeros.hasRemaining()) {
                    ch.write(zeros);
                }
                ch.force(true); // real blocks: a sparse file would reserve nothing
            }
            return true;
        } catch (IOException e) {
            release();
            return false;
        }
    }

    private void ownerOnly() throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX modes: nothing to tighten
        }
    }
}
