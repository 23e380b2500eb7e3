package dev.kino.server;

import dev.kino.KinoException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/**
 * The server's data folder, held by one server at a time: an OS lock on {@code lock} for the server's whole life
 * (the kernel drops it when the process ends, kill -9 included, so a stale lock cannot exist). The folder is
 * owner-only (0700) and its database owner-only (0600): prompts, pictures and videos are the studio's. At start,
 * under the lock, files a killed server left half-written ({@code *.partial}) are removed: no one else can be
 * writing them.
 */
public final class DataFolder implements AutoCloseable {
    static final String LOCK = "lock";
    private static final List<String> WORK_FOLDERS = java.util.stream.Stream.concat(Stream.of("videos", "checkpoints"),
            Stream.of(dev.kino.server.work.UploadedFiles.Kind.values()).map(k -> k.folder)).toList();

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private final int cleaned;

    private DataFolder(Path dir, FileChannel channel, FileLock lock, int cleaned) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
        this.cleaned = cleaned;
    }

    /**
     * Creates (0700) and locks {@code dir}, then removes leftover partial files.
     *
     * @throws KinoException one sentence when another server holds the folder or it cannot be made
     */
    public static DataFolder open(Path dir) {
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            ownerOnly(dir, "rwx------");
            Path lockFile = dir.resolve(LOCK);
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ownerOnly(lockFile, "rw-------");
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                String holder = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
                ch.close();
                throw new KinoException("Another Kino server" + (holder.matches("\\d+") ? " (process " + holder + ")" : "")
                        + " is using the data folder " + dir + "; stop it, or give this one another --data folder.");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(true);
            return new DataFolder(dir, ch, lock, removePartials(dir));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new KinoException("Cannot use the data folder " + dir + " (" + e.getMessage()
                    + "); check its permissions or choose another --data folder.", e);
        }
    }

    /** The database file, created owner-only before SQLite opens it (SQLite gives its -wal and -shm files its mode). */
    public Path database() {
        Path db = dir.resolve("kino.db");
        try {
            if (!Files.exists(db)) {
                Files.createFile(db, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            for (String suffix : List.of("", "-wal", "-shm")) {
                Path p = dir.resolve("kino.db" + suffix);
                if (Files.exists(p)) {
                    ownerOnly(p, "rw-------"); // data folders made by an older Kino were 0644
                }
            }
        } catch (IOException e) {
            throw new KinoException("Cannot create the database in " + dir + " (" + e.getMessage()
                    + "); check the disk and the folder's permissions.", e);
        }
        return db;
    }

    /** How many partial files this start removed. */
    public int cleanedPartials() {
        return cleaned;
    }

    private static int removePartials(Path dir) throws IOException {
        int n = 0;
        for (String folder : WORK_FOLDERS) {
            Path f = dir.resolve(folder);
            if (!Files.isDirectory(f)) {
                continue;
            }
            List<Path> partial;
            try (Stream<Path> s = Files.list(f)) {
                partial = s.filter(p -> p.getFileName().toString().endsWith("partial")).toList();
            }
            for (Path p : partial) {
                if (Files.isRegularFile(p) && Files.deleteIfExists(p)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static void ownerOnly(Path p, String mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX modes (FAT, some network shares): nothing to tighten
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // giving up on the folder anyway
            }
        }
    }

    /** Releases the lock (the file stays: removing it could let two servers lock two different files). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }
}
