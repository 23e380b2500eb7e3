package dev.kino.model;

import dev.kino.KinoException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A model package on disk: a folder with {@code kino.json}, {@code tokenizer.json} and the ONNX graphs the
 * manifest names. Opening one checks that every file is there; {@link ModelGraphs} then checks the graphs.
 */
public final class ModelPackage {
    private final Path dir;
    private final Manifest manifest;
    private String identity;

    private ModelPackage(Path dir, Manifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** Opens the package in {@code dir}: reads and checks its manifest and that every file it names is there. */
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
        pkg.checkFilesInside();
        pkg.checkFilesExist();
        return pkg;
    }

    /** A package is one folder: a manifest naming ../ or absolute paths could read any file on the machine. */
    private void checkFilesInside() {
        List<String> outside = new ArrayList<>();
        for (Map.Entry<String, String> e : manifest.files().entrySet()) {
            Path p = Path.of(e.getValue());
            if (p.isAbsolute() || !resolve(e.getValue()).startsWith(dir) || resolve(e.getValue()).equals(dir)) {
                outside.add(e.getKey() + " file " + e.getValue());
            }
        }
        if (!outside.isEmpty()) {
            throw new KinoException("The manifest of " + dir + " names files outside the package (" + String.join(", ", outside)
                    + "); a package names its files relative to its own folder, so copy them in and name them so.");
        }
    }

    private void checkFilesExist() {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, String> e : manifest.files().entrySet()) {
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

    /**
     * A SHA-256 of what identifies the package's contents without reading gigabytes of weights: the manifest's
     * bytes and the name and size of every file it names (and of external data beside the graphs). A plan
     * records it, so it is never run on another model.
     */
    public synchronized String identity() {
        if (identity == null) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update(Files.readAllBytes(dir.resolve(ManifestReader.FILE_NAME)));
                for (String file : manifest.files().values()) {
                    for (Path f : List.of(resolve(file), resolve(file + "_data"))) {
                        if (Files.isRegularFile(f)) {
                            sha.update((dir.relativize(f) + ":" + Files.size(f) + "\n").getBytes(StandardCharsets.UTF_8));
                        }
                    }
                }
                identity = HexFormat.of().formatHex(sha.digest());
            } catch (IOException e) {
                throw new KinoException("Cannot read the model package " + dir + ": " + e.getMessage() + ".", e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return identity;
    }

    /** The package folder, absolute. */
    public Path dir() {
        return dir;
    }

    /** The parsed manifest. */
    public Manifest manifest() {
        return manifest;
    }

    /** A path of the manifest resolved against the package folder. */
    public Path resolve(String relative) {
        return dir.resolve(relative).normalize();
    }
}
