package dev.kino.spark;

import dev.kino.pipeline.GenerationRequest;
import dev.kino.shots.Take;

import java.io.Serializable;

/**
 * One take to render, as it travels to an executor: the shot-list take's request, the model it renders with
 * and where its files go. Spark ships it with Java serialization, so it holds plain values only.
 *
 * @param project     the shot list's project
 * @param shot        the shot's name
 * @param take        take number, from 1
 * @param seed        the noise seed
 * @param model       the model: a package folder on the executors, or {@link ExecutorPipelines#DEMO}
 * @param requestHash the take's request hash ({@link Take#hash}) over the model reference and the request
 * @param key         the take's files without extension, relative to {@code --out}: {@code 01-opening/take-01}
 */
public record RenderRow(String project, String shot, int take, long seed, String prompt, String negative,
                        Integer steps, Double guidance, Integer frames, Integer width, Integer height, Integer fps,
                        String scheduler, String model, String requestHash, String key) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The row of a take rendered with {@code model} (the take's own model reference replaces it when set). */
    public static RenderRow of(Take t, String model) {
        String ref = t.model() != null ? t.model() : model;
        GenerationRequest r = t.request();
        String hash = ref == null || ref.equals(ExecutorPipelines.DEMO) ? t.requestHash() : Take.hash(ref, r);
        return new RenderRow(t.project(), t.shot().name(), t.take(), t.seed(), r.prompt(), r.negativePrompt(),
                r.steps(), r.guidance(), r.frames(), r.width(), r.height(), r.fps(), r.scheduler(),
                ref == null ? ExecutorPipelines.DEMO : ref, hash, t.key());
    }

    /** What the engine renders. */
    public GenerationRequest request() {
        return GenerationRequest.builder(prompt).negativePrompt(negative).steps(steps).guidance(guidance).seed(seed)
                .frames(frames).width(width).height(height).fps(fps).scheduler(scheduler).build();
    }

    public String mp4() {
        return key + ".mp4";
    }

    /** The record beside the MP4 (the same as {@code kino render} writes): its request hash marks it done. */
    public String record() {
        return key + ".json";
    }
}
