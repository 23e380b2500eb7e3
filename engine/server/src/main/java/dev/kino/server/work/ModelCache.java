package dev.kino.server.work;

import dev.kino.pipeline.ExpertResidency;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One worker's loaded models, least recently used first out: loading a big model takes long, so a worker keeps
 * up to {@code capacity} of them and the queue prefers jobs for models already here. Each is loaded with the
 * server's {@code --experts}, so {@code auto} decides per model against the memory free when it loads (what the
 * models loaded before it left). Used by one thread; other threads read {@link #loadedNow}.
 */
final class ModelCache implements AutoCloseable {
    private final ModelCatalog catalog;
    private final Device device;
    private final int capacity;
    private final ExpertResidency experts;
    private final LinkedHashMap<String, TextToVideoPipeline> loaded = new LinkedHashMap<>(8, 0.75f, true);
    private volatile Map<String, TextToVideoPipeline> published = Map.of();
    private int loads;

    ModelCache(ModelCatalog catalog, Device device, int capacity, ExpertResidency experts) {
        this.catalog = catalog;
        this.device = device;
        this.capacity = Math.max(1, capacity);
        this.experts = experts;
    }

    /** The loaded model {@code name}, loading it (and closing the least recently used one) if needed. */
    TextToVideoPipeline get(String name) {
        TextToVideoPipeline kino = loaded.get(name);
        if (kino != null) {
            return kino;
        }
        while (loaded.size() >= capacity) {
            Map.Entry<String, TextToVideoPipeline> eldest = loaded.entrySet().iterator().next();
            loaded.remove(eldest.getKey());
            publish();
            eldest.getValue().close();
        }
        kino = TextToVideoPipeline.load(catalog.folder(name), device, experts);
        loads++;
        loaded.put(name, kino);
        publish();
        return kino;
    }

    private void publish() {
        published = Map.copyOf(loaded);
    }

    /** The models loaded now, by name (a snapshot other threads may read: the HTTP layer's model list). */
    Map<String, TextToVideoPipeline> loadedNow() {
        return published;
    }

    /**
     * How many times a model was loaded from disk. A job's LoRA set is not part of the key: jobs with other LoRAs
     * use the same loaded model, whose denoiser sessions are remade from the base weights it keeps in memory.
     */
    int loads() {
        return loads;
    }

    /** Names of the loaded models (a copy). */
    Set<String> names() {
        return published.keySet();
    }

    @Override
    public void close() {
        loaded.values().forEach(TextToVideoPipeline::close);
        loaded.clear();
        publish();
    }
}
