package dev.kino.server.queue;

/**
 * One render job as stored.
 *
 * @param id           the job's id ({@code j-} and 16 hex digits)
 * @param projectId    its project, or null for a single job
 * @param shot         the shot's name within the project, or null
 * @param shotIndex    the shot's position in the project, or null
 * @param take         the take number, or null
 * @param model        model name from the catalog
 * @param request      the {@code GenerationRequest} as JSON
 * @param requestHash  the take's identity: the fingerprint of the plan stored with it; for a take that continues
 *                     from another shot (planned at render time, from the project's pick) the shot-list request
 *                     hash ({@code dev.kino.shots.Take#hash}, computed with the list's {@code pick})
 * @param priority     higher runs first; equal priorities run in submission order
 * @param state        where it is
 * @param worker       the worker running or last running it
 * @param cancelRequested a cancel arrived while it ran; it stops at its next step
 * @param step         denoising steps done
 * @param steps        total steps, known once it started
 * @param resumedFrom  the step a resumed run continued from (null: never resumed)
 * @param attempts     how many times a worker started it
 * @param error        why it failed (one sentence)
 * @param video        the MP4's file name under the data folder's {@code videos/}, once succeeded
 * @param frames       frame count of the MP4
 * @param createdAt    epoch milliseconds
 * @param startedAt    epoch milliseconds, or null
 * @param finishedAt   epoch milliseconds, or null
 * @param warnings     what the user should know about the finished take (e.g. prompt words the model does not
 *                     know and ignored), as {@code kino generate} prints them; empty when none
 */
public record Job(String id, String projectId, String shot, Integer shotIndex, Integer take, String model,
                  String request, String requestHash, int priority, JobState state, String worker,
                  boolean cancelRequested, int step, int steps, Integer resumedFrom, int attempts, String error,
                  String video, Integer frames, long createdAt, Long startedAt, Long finishedAt,
                  java.util.List<String> warnings) {
}
