package dev.kino.video;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hidden temporary files and folders that become an output only when complete (by one rename), so a failed,
 * interrupted or concurrent run never leaves half a file at the user's path.
 *
 * <p>Names are short and unique per writer ({@code .kino-PID-RANDOM.kino-partial}, ~40 bytes), so two runs
 * writing the same path never share a temporary file, and a 255-byte output name still has a valid temporary
 * name. A shutdown hook removes this process's partials on SIGINT/SIGTERM; a partial whose process is gone
 * (kill -9, power loss) is removed by the next Kino run that writes into the same folder.
 */
public final class PartialFiles {
    static final String SUFFIX = ".kino-partial";
    private static final Pattern NAME = Pattern.compile("\\.kino-(\\d+)-[^/]*\\.kino-partial");
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    static {
        Thread hook = new Thread(() -> LIVE.forEach(PartialFiles::deleteQuietly), "kino-partial-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private PartialFiles() {
    }

    /** A new empty hidden file in {@code dir}, after removing stale partials of dead processes there. */
    static Path newFile(Path dir) throws IOException {
        cleanStale(dir);
        for (int attempt = 0; ; attempt++) {
            // Files.createFile, not createTempFile: the output keeps the user's umask (createTempFile is 0600).
            Path temp = dir.resolve(prefix() + Long.toUnsignedString(RANDOM.nextLong(), 36) + SUFFIX);
            try {
                Files.createFile(temp);
                LIVE.add(temp);
                return temp;
            } catch (FileAlreadyExistsException taken) {
                if (attempt > 100) {
                    throw taken;
                }
            }
        }
    }

    /** A new empty hidden folder in {@code dir}, after removing stale partials of dead processes there. */
    static Path newFolder(Path dir) throws IOException {
        cleanStale(dir);
        for (int attempt = 0; ; attempt++) {
            // Files.createDirectory, not createTempDirectory: the folder keeps the user's umask (not 0700).
            Path named = dir.resolve(prefix() + Long.toUnsignedString(RANDOM.nextLong(), 36) + SUFFIX);
            try {
                Files.createDirectory(named);
                LIVE.add(named);
                return named;
            } catch (FileAlreadyExistsException taken) {
                if (attempt > 100) {
                    throw taken;
                }
            }
        }
    }

    private static String prefix() {
        return ".kino-" + ProcessHandle.current().pid() + "-";
    }

    /** Renames {@code temp} to {@code target} in one step, replacing what was there (last complete writer wins). */
    static void commitReplacing(Path temp, Path target) throws IOException {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LIVE.remove(temp);
    }

    /**
     * Publishes {@code temp} as {@code target}, or as {@code NAME-2.EXT}, {@code NAME-3.EXT}, ... when that exists:
     * never replaces a file, even one another process publishes at the same moment (a hard link fails if the
     * name is taken). Returns the path used.
     */
    static Path commitNew(Path temp, Path target) throws IOException {
        String name = target.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        for (int n = 1; ; n++) {
            Path candidate = n == 1 ? target : target.resolveSibling(stem + "-" + n + ext);
            try {
                Files.createLink(candidate, temp);
                discard(temp);
                return candidate;
            } catch (FileAlreadyExistsException e) {
                // taken: try the next number
            } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
                if (!Files.exists(candidate)) { // no hard links here: a plain move, which does not replace
                    Files.move(temp, candidate);
                    LIVE.remove(temp);
                    return candidate;
                }
            }
        }
    }

    /** Deletes a partial file or folder (best effort) and forgets it. */
    static void discard(Path temp) {
        deleteQuietly(temp);
        LIVE.remove(temp);
    }

    /** Removes {@code .kino-PID-*.kino-partial} entries of {@code dir} whose process is no longer running. */
    public static int cleanStale(Path dir) {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".kino-*" + SUFFIX)) {
            for (Path p : entries) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && !alive(Long.parseLong(m.group(1)))) {
                    deleteQuietly(p);
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort: a stale partial only costs space
        }
        return removed;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void deleteQuietly(Path p) {
        try {
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (var walk = Files.walk(p)) {
                    for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(q);
                    }
                }
            } else {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort: the name marks it as Kino's, the next run retries
        }
    }
}
