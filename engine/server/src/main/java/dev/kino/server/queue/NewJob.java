package dev.kino.server.queue;

/**
 * A job to enqueue.
 *
 * @param shot        shot name within its project, or null for a single job
 * @param shotIndex   the shot's position, or null
 * @param take        take number, or null
 * @param model       a model name from the catalog
 * @param requestJson the {@code GenerationRequest} as JSON
 * @param requestHash the take's identity: its plan's fingerprint (the shot-list request hash for a continuation)
 * @param priority    higher runs first
 * @param continueFrom the shot (of the same project) whose picked take's last frame this take starts from, or
 *                    null; the job is not claimed until that shot has a finished pick
 * @param planJson    the request's {@code GenerationPlan} as JSON, made when it was submitted, which the worker
 *                    runs; null for a take that continues from another shot (its plan needs the pick's frame)
 */
public record NewJob(String shot, Integer shotIndex, Integer take, String model, String requestJson,
                     String requestHash, int priority, String continueFrom, String planJson) {
}
