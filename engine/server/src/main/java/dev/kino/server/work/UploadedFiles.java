package dev.kino.server.work;

import dev.kino.KinoException;
import dev.kino.image.ImageFiles;
import dev.kino.image.RgbImage;
import dev.kino.lora.LoraFile;
import dev.kino.request.RequestSchema;
import dev.kino.request.Setting;
import dev.kino.shots.PictureFiles;
import dev.kino.video.VideoFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Files uploaded to the server: pictures ({@code POST /api/pictures}), videos ({@code POST /api/videos}) and LoRA
 * adapters ({@code POST /api/loras}), each kind in its own folder of the data folder, named by the SHA-256 of its
 * bytes. Shot lists and jobs name them as {@code sha256:HEX}, never by path, so a request cannot make the server
 * read any other file; which kind a reference must be follows from the setting naming it ({@link Kind#of}). A
 * submit checks the bytes against the name, and the job's plan records them, so a render checks them again before
 * it uses them. All kinds share one quota; LoRAs may also come from a read-only folder ({@link LoraFolder}).
 */
public final class UploadedFiles {
    /** How shots and jobs refer to an uploaded file. */
    public static final String PREFIX = "sha256:";
    private static final Pattern REF = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    /** Default room for all uploads together, in bytes. */
    public static final long DEFAULT_QUOTA = 4L << 30;
    private static final Object QUOTA_LOCK = new Object();

    /** What an upload is: where it is stored, its endpoint, its size limit and how it is checked. */
    public enum Kind {
        PICTURE("picture", "pictures", 16L << 20, "a PNG, JPEG or WebP file"),
        VIDEO("video", "video-uploads", 512L << 20, "an MP4, MOV, WebM or other video file FFmpeg reads"),
        LORA("lora", "lora-uploads", 2L << 30, "a LoRA .safetensors file");

        /** The JSON field of an upload's answer ({@code picture}); the endpoint is {@code /api/} + it + {@code s}. */
        public final String word;
        /** Folder under the data folder. */
        public final String folder;
        /** Largest upload accepted, in bytes. */
        public final long maxBytes;
        private final String what;

        Kind(String word, String folder, long maxBytes, String what) {
            this.word = word;
            this.folder = folder;
            this.maxBytes = maxBytes;
            this.what = what;
        }

        /** {@code /api/pictures}, {@code /api/videos}, {@code /api/loras}. */
        public String endpoint() {
            return "/api/" + word + "s";
        }

        /** The kind of file a request setting names: its LoRAs, its videos, else pictures. */
        public static Kind of(Setting<?> setting) {
            if (setting == RequestSchema.LORA) {
                return LORA;
            }
            return List.of(RequestSchema.SOURCE_VIDEO, RequestSchema.CONTROL_VIDEO, RequestSchema.MASK_VIDEO,
                    RequestSchema.CONTINUE_FROM).contains(setting) ? VIDEO : PICTURE;
        }

        /** The kind uploaded at {@code path}, or null. */
        public static Kind at(String path) {
            for (Kind k : values()) {
                if (k.endpoint().equals(path)) {
                    return k;
                }
            }
            return null;
        }

        /** The sentence for an upload over {@link #maxBytes}. */
        public String tooLarge() {
            return "The " + word + " is larger than " + (maxBytes >> 20) + " MiB; send a smaller "
                    + (this == PICTURE ? "PNG, JPEG or WebP file." : "file.");
        }
    }

    private final Path dataDir;
    private final long quota;
    private final LoraFolder loraFolder;

    public UploadedFiles(Path dataDir) {
        this(dataDir, DEFAULT_QUOTA, null);
    }

    /**
     * @param quota      bytes all uploaded files together may use
     * @param loraFolder LoRAs the server offers without an upload, or null
     */
    public UploadedFiles(Path dataDir, long quota, LoraFolder loraFolder) {
        this.dataDir = dataDir;
        this.quota = quota;
        this.loraFolder = loraFolder;
    }

    /** What a stored file is: its reference, size in bytes and what the check found (width, height, ...). */
    public record Stored(String reference, long bytes, Map<String, Object> details) {
    }

    /** The uploads' quota is used up: nothing was stored. */
    public static final class QuotaExceeded extends KinoException {
        QuotaExceeded(String message) {
            super(message);
        }
    }

    private Path folder(Kind kind) {
        return dataDir.resolve(kind.folder);
    }

    /**
     * Stores the file read from {@code in} (streamed to disk, never whole in memory) if Kino reads it as
     * {@code kind}; storing the same bytes twice keeps one file.
     *
     * @throws KinoException (one sentence) when it is not readable as {@code kind}, is larger than its limit,
     *                       or would overfill the quota ({@link QuotaExceeded}); nothing is kept then
     */
    public Stored store(Kind kind, java.io.InputStream in) throws IOException {
        Path folder = folder(kind);
        Files.createDirectories(folder);
        Path temp = Files.createTempFile(folder, ".upload-", ".partial"); // owner-only (0600)
        try {
            MessageDigest sha = dev.kino.request.Sha256.digest();
            long bytes = 0;
            try (var out = Files.newOutputStream(temp)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    bytes += n;
                    if (bytes > kind.maxBytes) {
                        throw new KinoException(kind.tooLarge());
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            if (bytes == 0) {
                throw new KinoException("The request has no " + kind.word + "; send " + kind.what + "'s bytes as the body.");
            }
            String hex = HexFormat.of().formatHex(sha.digest());
            Map<String, Object> details = check(kind, temp); // refuses what Kino cannot read, in one sentence
            synchronized (QUOTA_LOCK) {
                Path target = folder.resolve(hex);
                long used = used();
                if (!Files.exists(target) && used + bytes > quota) {
                    throw new QuotaExceeded("Uploaded files use " + (used >> 20) + " MiB of their " + (quota >> 20)
                            + " MiB; delete uploads no longer needed (DELETE " + kind.endpoint() + "/sha256:HEX) and"
                            + " upload again.");
                }
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return new Stored(PREFIX + hex, bytes, details);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Reads the upload as its kind: a picture decoded, a video's first frame decoded, a LoRA's tensors mapped. */
    private static Map<String, Object> check(Kind kind, Path file) {
        switch (kind) {
            case PICTURE -> {
                RgbImage image = ImageFiles.read(file);
                return Map.of("width", image.width(), "height", image.height());
            }
            case VIDEO -> {
                RgbImage first;
                try {
                    first = VideoFiles.read(file, "video", 0).get(0);
                } catch (KinoException e) {
                    throw new KinoException("The upload is not a video FFmpeg can read; send " + kind.what + ".");
                }
                return Map.of("width", first.width(), "height", first.height());
            }
            default -> {
                LoraFile lora;
                try {
                    lora = LoraFile.read(file);
                } catch (KinoException e) {
                    throw new KinoException(e.getMessage().replace(file.getFileName().toString(), "uploaded"));
                }
                return Map.of("layout", lora.layout(), "layers", lora.layers().size());
            }
        }
    }

    /** Bytes the stored uploads of every kind use. */
    long used() throws IOException {
        long sum = 0;
        for (Kind kind : Kind.values()) {
            for (Path p : stored(kind)) {
                sum += Files.size(p);
            }
        }
        return sum;
    }

    /** The stored files of {@code kind} (names are their hex SHA-256). */
    private List<Path> stored(Kind kind) throws IOException {
        Path folder = folder(kind);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> HEX.matcher(p.getFileName().toString()).matches()).toList();
        }
    }

    /** The uploaded LoRAs, as {@code GET /api/loras} lists them beside the folder's. */
    public List<Map<String, Object>> loras() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Path p : stored(Kind.LORA)) {
            out.add(Map.of("lora", PREFIX + p.getFileName(), "bytes", Files.size(p), "uploaded", true));
        }
        return out;
    }

    /** Deletes the upload {@code reference} ({@code sha256:HEX}) of {@code kind}; false when there is none. */
    public boolean delete(Kind kind, String reference) throws IOException {
        if (!REF.matcher(reference).matches()) {
            return false;
        }
        return Files.deleteIfExists(folder(kind).resolve(reference.substring(PREFIX.length())));
    }

    /**
     * Removes uploads older than {@code grace} that {@code inUse} (given the hex name) says nothing uses: a client
     * uploads, then submits, so a fresh upload is never collected. Returns how many were removed.
     */
    public int collect(java.util.function.Predicate<String> inUse, java.time.Duration grace) throws IOException {
        long cutoff = System.currentTimeMillis() - grace.toMillis();
        int n = 0;
        for (Kind kind : Kind.values()) {
            for (Path p : stored(kind)) {
                if (Files.getLastModifiedTime(p).toMillis() < cutoff && !inUse.test(p.getFileName().toString())
                        && Files.deleteIfExists(p)) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Resolves {@code sha256:HEX} references for jobs and shot lists read by the server: each setting names an
     * upload of its own kind (a LoRA may also be one of the LoRA folder's).
     */
    public PictureFiles files() {
        return new PictureFiles() {
            @Override
            public Path find(String reference) {
                return find(RequestSchema.IMAGE, reference);
            }

            @Override
            public Path find(Setting<?> setting, String reference) {
                Kind kind = Kind.of(setting);
                if (!REF.matcher(reference).matches()) {
                    throw new IllegalArgumentException("must name an uploaded " + kind.word + " as sha256:HEX (POST "
                            + kind.endpoint() + " returns it); the server reads no file paths");
                }
                String hex = reference.substring(PREFIX.length());
                Path file = folder(kind).resolve(hex);
                if (!Files.isRegularFile(file) && kind == Kind.LORA && loraFolder != null) {
                    file = loraFolder.find(hex);
                }
                if (file == null || !Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("names no " + kind.word + " uploaded to this server; upload it"
                            + " with POST " + kind.endpoint() + " first");
                }
                if (!dev.kino.request.Sha256.of(file).equals(hex)) {
                    // replaced or damaged on disk: a take would silently use another file
                    throw new IllegalArgumentException("names an uploaded " + kind.word + " that changed on the"
                            + " server's disk (its SHA-256 no longer matches); upload it again");
                }
                return file;
            }
        };
    }
}
