package dev.kino.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.pipeline.GenerationPlanner;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.shots.Take;

import java.io.Serializable;
import java.util.Map;
import java.util.function.Function;

/**
 * One take to render, as it travels to an executor: the shot-list take's request, the model it renders with
 * and where its files go. Spark ships it with Java serialization, so it holds plain values only: the request
 * travels as its JSON ({@link GenerationRequest#toJson()}, every setting of the schema by name), so a new
 * setting needs nothing here, and beside it the plan the driver made of it ({@link GenerationPlan#toJson()},
 * from the package's manifest and graph signatures, no model loaded), which the executor runs. The plan's
 * fingerprint is the take's identity: {@code --resume} keeps a take whose record carries the same one.
 *
 * @param project     the shot list's project
 * @param shot        the shot's name
 * @param take        take number, from 1
 * @param seed        the noise seed
 * @param prompt      the prompt (what the outcome table shows)
 * @param requestJson the request as JSON
 * @param model       the model: a package folder on the executors (and the driver), or {@link ExecutorPipelines#DEMO}
 * @param planJson    the plan the executor runs, or null when the model cannot make the take
 * @param planError   why the model cannot make the take (one sentence), or null
 * @param fingerprint the plan's fingerprint; when planning failed, the take's request hash ({@link Take#hash})
 * @param key         the take's files without extension, relative to {@code --out}: {@code 01-opening/take-01}
 */
public record RenderRow(String project, String shot, int take, long seed, String prompt, String requestJson,
                        String model, String planJson, String planError, String fingerprint, String key)
        implements Serializable {
    private static final long serialVersionUID = 3L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The row of a take rendered with {@code model} (the take's own model reference replaces it when set), planned
     * by {@code planners} (model reference to its planner; a {@link KinoException} when the package cannot be read).
     */
    public static RenderRow of(Take t, String model, Function<String, GenerationPlanner> planners) {
        String ref = t.model() != null ? t.model() : model == null ? ExecutorPipelines.DEMO : model;
        GenerationRequest r = t.request();
        String planJson = null;
        String error = null;
        String fingerprint;
        try {
            GenerationPlan plan = planners.apply(ref).plan(r);
            planJson = plan.toJson();
            fingerprint = plan.fingerprint();
        } catch (KinoException e) {
            error = e.getMessage();
            fingerprint = Take.hash(ref, r);
        }
        try {
            return new RenderRow(t.project(), t.shot().name(), t.take(), t.seed(), r.prompt(),
                    JSON.writeValueAsString(r.toJson()), ref, planJson, error, fingerprint, t.key());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The plan to run (its pictures' files checked), or a {@link KinoException} saying why there is none. */
    public GenerationPlan plan() {
        if (planError != null) {
            throw new KinoException(planError);
        }
        return GenerationPlan.fromJson(planJson);
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

    /** The take's {@code --format} deliverable beside its MP4 ({@code 01-a/take-01.mov}, a PNG folder), or null. */
    public String master(dev.kino.video.DeliveryFormat format) {
        return format == dev.kino.video.DeliveryFormat.MP4 ? null
                : format.target(java.nio.file.Path.of(key)).toString();
    }

    /** The record beside the MP4 (the same as {@code kino render} writes): its plan fingerprint marks it done. */
    public String record() {
        return key + ".json";
    }
}
