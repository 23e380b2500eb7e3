package dev.kino.server.work;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import dev.kino.demo.DemoModel;
import dev.kino.model.Manifest;
import dev.kino.model.ManifestReader;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.pipeline.GenerationPlanner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The models a server offers, by name: {@code demo} (the built-in model) and every package folder directly
 * under {@code --models DIR}. A name is only ever looked up in this catalog, never joined to a path, so no
 * request can reach a file outside it.
 */
public final class ModelCatalog implements AutoCloseable {
    /** The built-in demo model's name. */
    public static final String DEMO = "demo";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final Path modelsDir;
    private final Map<String, GenerationPlanner> planners = new HashMap<>();
    private volatile Path demo; // extracting checks the whole embedded package: once per server, not per request

    /** {@code modelsDir} may be null: the demo model only. */
    public ModelCatalog(Path modelsDir) {
        this.modelsDir = modelsDir;
    }

    /** Model name → package folder, sorted by name. */
    public Map<String, Path> folders() {
        Map<String, Path> out = new TreeMap<>();
        out.put(DEMO, null); // extracted on first use
        if (modelsDir != null && Files.isDirectory(modelsDir)) {
            try (Stream<Path> dirs = Files.list(modelsDir)) {
                dirs.filter(d -> NAME.matcher(d.getFileName().toString()).matches())
                        .filter(d -> Files.isRegularFile(d.resolve(ManifestReader.FILE_NAME)))
                        .forEach(d -> out.put(d.getFileName().toString(), d));
            } catch (IOException e) {
                throw new KinoException("Cannot list the models folder " + modelsDir + ": " + e.getMessage() + ".", e);
            }
        }
        return out;
    }

    /** The package folder of {@code name}; an unknown name is a {@link KinoException} naming the known ones. */
    public Path folder(String name) {
        Map<String, Path> all = folders();
        if (name == null || !all.containsKey(name)) {
            throw new KinoException("There is no model named " + quote(name) + " on this server; use one of "
                    + String.join(", ", all.keySet()) + ".");
        }
        Path p = all.get(name);
        if (p != null) {
            return p;
        }
        if (demo == null) {
            demo = DemoModel.folder();
        }
        return demo;
    }

    /** What {@code GET /api/models} shows for each model: its manifest's name, description and defaults. */
    public List<Map<String, Object>> describe() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : folders().keySet()) {
            Manifest m = ModelPackage.open(folder(name)).manifest();
            Map<String, Object> info = new java.util.LinkedHashMap<>();
            info.put("name", name);
            info.put("manifest_name", m.name());
            info.put("description", m.description());
            info.put("defaults", m.defaults());
            info.put("latent_channels", m.latent().channels());
            info.put("size_multiple", m.latent().sizeMultiple());
            info.put("prediction_type", m.denoiser().predictionType().toString().toLowerCase(java.util.Locale.ROOT));
            info.put("experts", m.denoiser().experts().size());
            info.put("live_preview", PreviewFactors.read(folder(name)) != null ? "fitted factors" : "normalized channels");
            out.add(info);
        }
        return out;
    }

    /**
     * Plans a request for the model before it is queued (size, frames, scheduler, memory), from the manifest and
     * the graphs' declared signatures alone: no model is loaded, so checking submits costs no memory next to the
     * workers' copies, and a bad request never reaches a worker.
     */
    public GenerationPlan check(String model, GenerationRequest request) {
        return planner(model).plan(request);
    }

    /** Whether {@code model} conditions on pictures (what a take continuing from another shot needs). */
    public boolean takesPictures(String model) {
        return planner(model).modelPackage().manifest().conditioning() != null;
    }

    private synchronized GenerationPlanner planner(String model) {
        Path folder = folder(model);
        return planners.computeIfAbsent(model, m -> GenerationPlanner.of(ModelPackage.open(folder)));
    }

    private static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        return "\"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
    }

    @Override
    public synchronized void close() {
        planners.clear();
    }

    /** Reads a JSON file (a model's manifest) as a tree. */
    static JsonNode tree(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }
}
