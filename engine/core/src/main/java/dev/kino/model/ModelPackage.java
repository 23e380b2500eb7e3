package dev.kino.model;

import dev.kino.KinoException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model package on disk: a folder with {@code kino.json}, {@code tokenizer.json} and the ONNX graphs the
 * manifest names. Opening one checks that every file is there; {@link ModelGraphs} then checks the graphs.
 */
public final class ModelPackage {
    private final Path dir;
    private final Manifest manifest;

    private ModelPackage(Path dir, Manifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    public static ModelPackage open(Path dir) {
        Path folder = dir.toAbsolutePath().normalize();
        if (!Files.exists(folder)) {
            throw new KinoException("The model folder " + folder + " does not exist; pass --model with the folder"
                    + " of a Kino model package (the one holding kino.json).");
        }
        if (!Files.isDirectory(folder)) {
            throw new KinoException("The model path " + folder + " is a file, not a folder; pass --model with the"
                    + " folder that holds kino.json.");
        }
        Path manifestFile = folder.resolve(ManifestReader.FILE_NAME);
        if (!Files.isRegularFile(manifestFile)) {
            throw new KinoException("The folder " + folder + " has no " + ManifestReader.FILE_NAME
                    + ", so it is not a Kino model package; export one with the tools in models/ or pass the right folder.");
        }
        ModelPackage pkg = new ModelPackage(folder, ManifestReader.read(manifestFile));
        pkg.checkFilesExist();
        return pkg;
    }

    private void checkFilesExist() {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, String> e : files().entrySet()) {
            if (!Files.isRegularFile(resolve(e.getValue()))) {
                missing.add(e.getKey() + " file " + e.getValue());
            }
        }
        if (!missing.isEmpty()) {
            throw new KinoException("The model package " + dir + " is missing its " + String.join(", ", missing)
                    + " named in kino.json; copy the file" + (missing.size() == 1 ? "" : "s")
                    + " into the package or fix the manifest.");
        }
    }

    /** The files the manifest names, by role. */
    public Map<String, String> files() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("tokenizer", manifest.tokenizer());
        files.put("text encoder", manifest.textEncoder().file());
        List<Manifest.Expert> experts = manifest.denoiser().experts();
        for (int i = 0; i < experts.size(); i++) {
            files.put(experts.size() == 1 ? "denoiser" : "denoiser expert " + (i + 1), experts.get(i).file());
        }
        files.put("VAE decoder", manifest.vae().file());
        if (manifest.vae().nextFile() != null) {
            files.put("VAE next-frame decoder", manifest.vae().nextFile());
        }
        return files;
    }

    public Path dir() {
        return dir;
    }

    public Manifest manifest() {
        return manifest;
    }

    /** A path of the manifest resolved against the package folder. */
    public Path resolve(String relative) {
        return dir.resolve(relative).normalize();
    }
}
