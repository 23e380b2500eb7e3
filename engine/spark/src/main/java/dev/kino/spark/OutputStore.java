package dev.kino.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * The {@code --out} folder, on any Hadoop file system (file:, hdfs:, s3a:, ...), as the driver and every task
 * see it. Each file is written under a hidden temporary name unique to the task attempt and renamed when
 * complete, so a failed, retried or speculative attempt never leaves a half-written file at the real name; two
 * attempts of one take render the same bytes, so whichever rename lands last is as good as the first.
 *
 * <p>The driver resolves {@code --out} once ({@link #onDriver}): a relative path becomes absolute in the
 * driver's working folder, and every task writes there, never into its executor's own working folder. Before a
 * render job the driver leaves a check file in the folder ({@link #markForTasks}); a task that cannot see it
 * does not render ({@link #seesDriverMark}), since what it wrote would land where the driver never looks.
 */
final class OutputStore implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String root;
    private final SerializableConfiguration conf;

    /** Hidden check files the driver leaves for its tasks: {@code .kino-driver-TOKEN}. */
    static final String MARK_PREFIX = ".kino-driver-";

    private OutputStore(String root, Configuration conf) {
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
        this.conf = new SerializableConfiguration(conf);
    }

    /**
     * {@code out} as the driver resolves it: fully qualified and absolute ({@code file:/home/me/renders} for
     * {@code renders}), so tasks on any machine write to the folder the driver reads, or find they cannot.
     */
    static OutputStore onDriver(String out, Configuration conf) {
        try {
            Path p = new Path(out);
            return new OutputStore(p.getFileSystem(conf).makeQualified(p).toString(), conf);
        } catch (IOException | IllegalArgumentException e) {
            throw new KinoException("Cannot use --out " + out + ": " + e.getMessage()
                    + "; give a folder path or a file:, hdfs: or s3a: URI.", e);
        }
    }

    /** The folder, fully qualified. */
    String root() {
        return root;
    }

    /** Writes a new check file for this run's tasks into the folder; returns its name. */
    String markForTasks() {
        String name = MARK_PREFIX + java.util.UUID.randomUUID();
        try {
            write(name, name, "driver");
            return name;
        } catch (IOException e) {
            throw new KinoException("Cannot write into --out " + root + ": " + e.getMessage()
                    + "; check the URI and the driver's access to it.", e);
        }
    }

    /** True when this JVM sees the check file {@code mark} the driver wrote, with its content. */
    boolean seesDriverMark(String mark) {
        try (InputStream in = fs().open(path(mark))) {
            return mark.equals(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Removes the check file (best effort: a left one is ignored by every later run). */
    void unmark(String mark) {
        try {
            fs().delete(path(mark), false);
        } catch (IOException | RuntimeException ignored) {
            // a stale check file is harmless: isNewOrEmpty skips it
        }
    }

    /** The fully qualified URI of {@code relative} (what the results table records). */
    String uri(String relative) {
        try {
            Path p = path(relative);
            return p.getFileSystem(conf.value()).makeQualified(p).toString();
        } catch (IOException e) {
            return path(relative).toString();
        }
    }

    Path path(String relative) {
        return new Path(root + "/" + relative);
    }

    private FileSystem fs() throws IOException {
        FileSystem fs = new Path(root).getFileSystem(conf.value());
        fs.setWriteChecksum(false); // no .crc files beside the videos on a local disk
        return fs;
    }

    /** True when the folder does not exist yet or holds nothing. */
    boolean isNewOrEmpty() {
        try {
            FileSystem fs = fs();
            Path p = new Path(root);
            if (!fs.exists(p)) {
                return true;
            }
            FileStatus status = fs.getFileStatus(p);
            if (!status.isDirectory()) {
                throw new KinoException("--out " + root + " is a file; give a folder for the takes.");
            }
            for (FileStatus f : fs.listStatus(p)) {
                if (!f.getPath().getName().startsWith(MARK_PREFIX)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            throw new KinoException("Cannot read --out " + root + ": " + e.getMessage() + "; check the URI and access.", e);
        }
    }

    /**
     * True when the take's MP4 (and its {@code master}, the --format deliverable, unless null) exists beside a
     * record of the same plan fingerprint.
     */
    boolean done(RenderRow row, String master) {
        try {
            FileSystem fs = fs();
            if (!fs.exists(path(row.mp4())) || !fs.exists(path(row.record()))
                    || master != null && !fs.exists(path(master))) {
                return false;
            }
            try (InputStream in = fs.open(path(row.record()))) {
                return row.planError() == null
                        && row.fingerprint().equals(new ObjectMapper().readTree(in).path("plan_fingerprint").asText());
            }
        } catch (IOException | RuntimeException e) {
            return false; // unreadable: render the take again
        }
    }

    /** Copies a finished local file to {@code relative}, atomically as seen by readers of the folder. */
    void publish(java.nio.file.Path local, String relative, String attempt) throws IOException {
        FileSystem fs = fs();
        Path target = path(relative);
        Path temp = temp(target, attempt);
        fs.mkdirs(target.getParent());
        fs.copyFromLocalFile(false, true, new Path(local.toUri()), temp);
        commit(fs, temp, target);
    }

    /**
     * Copies a finished local file or folder to {@code relative}: a file atomically, a folder (a PNG sequence) file
     * by file, each atomically.
     */
    void publishTree(java.nio.file.Path local, String relative, String attempt) throws IOException {
        if (!java.nio.file.Files.isDirectory(local)) {
            publish(local, relative, attempt);
            return;
        }
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(local)) {
            for (java.nio.file.Path f : files.sorted().toList()) {
                publish(f, relative + "/" + f.getFileName(), attempt);
            }
        }
    }

    /** Writes {@code text} to {@code relative}, atomically as seen by readers of the folder. */
    void write(String relative, String text, String attempt) throws IOException {
        FileSystem fs = fs();
        Path target = path(relative);
        Path temp = temp(target, attempt);
        fs.mkdirs(target.getParent());
        try (FSDataOutputStream out = fs.create(temp, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        commit(fs, temp, target);
    }

    private static Path temp(Path target, String attempt) {
        return new Path(target.getParent(), "." + target.getName() + "." + attempt + ".partial");
    }

    private static void commit(FileSystem fs, Path temp, Path target) throws IOException {
        try {
            if (fs.exists(target)) {
                fs.delete(target, false); // an older render of the take (another request hash)
            }
            if (!fs.rename(temp, target) && !fs.exists(target)) {
                throw new IOException("could not rename " + temp + " to " + target);
            }
        } finally {
            fs.delete(temp, false); // left only when a twin attempt's rename landed first
        }
    }
}
