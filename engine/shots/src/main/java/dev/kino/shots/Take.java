package dev.kino.shots;

import dev.kino.pipeline.GenerationRequest;
import dev.kino.request.RequestSchema;
import dev.kino.request.Sha256;

import dev.kino.request.Setting;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One render: take {@code take} of a shot.
 *
 * @param project     the project's name
 * @param shot        the shot
 * @param take        the take number, from 1
 * @param seed        the noise seed
 * @param request     what to render (unset settings: the model's defaults); its {@code continueFrom} is unset,
 *                    as the video to continue from is the renderer's file ({@link #continuing})
 * @param source      the take of another shot this one continues from (its last frame is the first frame), or
 *                    null; {@code kino render} uses the source shot's {@link Shot#pick}
 * @param requestHash a stable hash of the model reference, the request, the pictures' bytes and the source
 *                    take's hash ({@link #hash}); equal hashes render equal videos with the same model package,
 *                    which is what lets a batch skip finished takes; with {@code videos}, also their takes' hashes
 * @param videos      the takes of other shots whose MP4s are this take's video settings ({@link Shot#videosFrom}):
 *                    setting name to take; empty for most takes
 */
public record Take(String project, Shot shot, int take, long seed, GenerationRequest request, Take source,
                   String requestHash, Map<String, Take> videos) {

    public Take {
        videos = Map.copyOf(videos);
    }

    /** A take whose videos are files (or none). */
    public Take(String project, Shot shot, int take, long seed, GenerationRequest request, Take source,
                String requestHash) {
        this(project, shot, take, seed, request, source, requestHash, Map.of());
    }

    static Take of(String project, Shot shot, int take, Take source, Map<String, Take> videos) {
        long seed = shot.seeds().get(take - 1);
        GenerationRequest request = shot.request().with(RequestSchema.SEED, seed);
        String hash = hash(shot.model(), request, source == null ? null : source.requestHash());
        if (!videos.isEmpty()) { // the same request on another take's video is another take
            hash = Sha256.of(hash + "\nvideos_from=" + new TreeMap<>(videos).entrySet().stream()
                    .map(e -> e.getKey() + ":" + e.getValue().requestHash()).toList());
        }
        return new Take(project, shot, take, seed, request, source, hash, videos);
    }

    /** The request with {@code mp4} (the source take's video) to continue from. */
    public GenerationRequest continuing(Path mp4) {
        return request.with(RequestSchema.CONTINUE_FROM, mp4);
    }

    /**
     * The request to render once the takes it needs are rendered: {@code mp4} gives each such take's video; the
     * source take's becomes {@code continue_from}, the others their video settings.
     */
    public GenerationRequest resolved(Function<Take, Path> mp4) {
        GenerationRequest r = source == null ? request : continuing(mp4.apply(source));
        for (Map.Entry<String, Take> v : videos.entrySet()) {
            @SuppressWarnings("unchecked")
            Setting<Path> setting = (Setting<Path>) RequestSchema.named(v.getKey());
            r = r.with(setting, mp4.apply(v.getValue()));
        }
        return r;
    }

    /** True when the request needs other takes' videos, so it can be planned only once they are rendered. */
    public boolean waits() {
        return source != null || !videos.isEmpty();
    }

    /** The model reference of the shot (null: the built-in demo model). */
    public String model() {
        return shot.model();
    }

    /** A file-name-safe key unique within the project: {@code 01-opening/take-02} style, shot index from 1. */
    public String key() {
        return String.format("%02d-%s/take-%02d", shot.index() + 1, shot.name(), take);
    }

    /** {@link #hash(String, GenerationRequest, String)} of a request that continues from no take. */
    public static String hash(String model, GenerationRequest r) {
        return hash(model, r, null);
    }

    /**
     * SHA-256 (hex) of the model reference and every request field, each written as {@code name=value} on its
     * own line in a fixed order, unset fields as {@code name=}. Field values are Java's own decimal forms. A
     * request with pictures adds the lines {@code image=}, {@code last_image=} (SHA-256 of the file's bytes),
     * {@code continue_from=} ({@code sourceHash}: the request hash of the take continued from) and
     * {@code fit=} (lower case; crop when unset); text-only requests keep the lines above alone. Settings newer
     * than these lines add one line {@code other_settings=} (as {@link dev.kino.pipeline.GenerationPlan#otherSettings}).
     */
    public static String hash(String model, GenerationRequest r, String sourceHash) {
        StringBuilder s = new StringBuilder("kino-request/v1\n");
        line(s, "model", model);
        line(s, "prompt", r.prompt());
        line(s, "negative", r.negativePrompt());
        line(s, "steps", r.steps());
        line(s, "guidance", r.guidance());
        line(s, "seed", r.seed());
        line(s, "frames", r.frames());
        line(s, "width", r.width());
        line(s, "height", r.height());
        line(s, "fps", r.fps());
        line(s, "scheduler", r.scheduler());
        line(s, "noise_kernel", r.noiseKernel());
        if (r.image() != null || r.lastImage() != null || sourceHash != null) {
            line(s, "image", r.image() == null ? null : Sha256.of(r.image()));
            line(s, "last_image", r.lastImage() == null ? null : Sha256.of(r.lastImage()));
            line(s, "continue_from", sourceHash);
            line(s, "fit", (r.fit() == null ? dev.kino.image.Fit.CROP : r.fit()).name().toLowerCase(java.util.Locale.ROOT));
        }
        java.util.Map<String, Object> others = dev.kino.pipeline.GenerationPlan.otherSettings(r);
        if (!others.isEmpty()) { // settings newer than the lines above, as the plan's fingerprint has them
            line(s, "other_settings", others);
        }
        return Sha256.of(s.toString());
    }

    private static void line(StringBuilder s, String name, Object value) {
        // Escape line breaks so a prompt cannot forge another field's line.
        String v = value == null ? "" : value.toString().replace("\\", "\\\\").replace("\n", "\\n");
        s.append(name).append('=').append(v).append('\n');
    }
}
