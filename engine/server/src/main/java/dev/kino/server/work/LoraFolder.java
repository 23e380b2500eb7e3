package dev.kino.server.work;

import dev.kino.KinoException;
import dev.kino.request.Sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A studio's LoRA library offered by {@code kino serve --loras DIR}: every {@code .safetensors} file in the folder
 * (not its subfolders), hashed once at start, so jobs name them by {@code sha256:HEX} like an upload without sending
 * the bytes. {@code GET /api/loras} lists them with their file names. Only files found at start are offered; a file
 * changed since is refused when a job names it (its hash is checked again).
 */
public final class LoraFolder {
    private final Map<String, Path> byHash;

    private LoraFolder(Map<String, Path> byHash) {
        this.byHash = byHash;
    }

    /** Reads {@code folder}'s LoRA files. */
    public static LoraFolder of(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new KinoException("--loras " + folder + " is not a folder; give the folder holding the LoRA"
                    + " .safetensors files.");
        }
        Map<String, Path> byHash = new LinkedHashMap<>();
        try (var files = Files.list(folder)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".safetensors")) {
                    byHash.putIfAbsent(Sha256.of(p), p.toAbsolutePath().normalize());
                }
            }
        } catch (IOException e) {
            throw new KinoException("Cannot read --loras " + folder + ": " + e.getMessage() + "; check the folder.", e);
        }
        return new LoraFolder(byHash);
    }

    /** The file with SHA-256 {@code hex}, or null. */
    Path find(String hex) {
        return byHash.get(hex);
    }

    /** The folder's LoRAs: reference, file name and size. */
    public List<Map<String, Object>> list() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Path> e : byHash.entrySet()) {
            out.add(Map.of("lora", UploadedFiles.PREFIX + e.getKey(), "name", e.getValue().getFileName().toString(),
                    "bytes", Files.size(e.getValue()), "uploaded", false));
        }
        return out;
    }
}
