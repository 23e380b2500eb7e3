package dev.kino.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.shots.Take;

import java.io.Serializable;
import java.util.Map;

/**
 * One take to render, as it travels to an executor: the shot-list take's request, the model it renders with
 * and where its files go. Spark ships it with Java serialization, so it holds plain values only: the request
 * travels as its JSON ({@link GenerationRequest#toJson()}, every setting of the schema by name), so a new
 * setting needs nothing here.
 *
 * @param project     the shot list's project
 * @param shot        the shot's name
 * @param take        take number, from 1
 * @param seed        the noise seed
 * @param prompt      the prompt (what the outcome table shows)
 * @param requestJson the request as JSON
 * @param model       the model: a package folder on the executors, or {@link ExecutorPipelines#DEMO}
 * @param requestHash the take's request hash ({@link Take#hash}) over the model reference and the request
 * @param key         the take's files without extension, relative to {@code --out}: {@code 01-opening/take-01}
 */
public record RenderRow(String project, String shot, int take, long seed, String prompt, String requestJson,
                        String model, String requestHash, String key) implements Serializable {
    private static final long serialVersionUID = 2L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The row of a take rendered with {@code model} (the take's own model reference replaces it when set). */
    public static RenderRow of(Take t, String model) {
        String ref = t.model() != null ? t.model() : model;
        GenerationRequest r = t.request();
        String hash = ref == null || ref.equals(ExecutorPipelines.DEMO) ? t.requestHash() : Take.hash(ref, r);
        try {
            return new RenderRow(t.project(), t.shot().name(), t.take(), t.seed(), r.prompt(),
                    JSON.writeValueAsString(r.toJson()), ref == null ? ExecutorPipelines.DEMO : ref, hash, t.key());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the engine renders. */
    @SuppressWarnings("unchecked")
    public GenerationRequest request() {
        try {
            return GenerationRequest.fromJson(JSON.readValue(requestJson, Map.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public String mp4() {
        return key + ".mp4";
    }

    /** The record beside the MP4 (the same as {@code kino render} writes): its request hash marks it done. */
    public String record() {
        return key + ".json";
    }
}
