package dev.kino.shots;

import dev.kino.pipeline.GenerationRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One render: take {@code take} of a shot.
 *
 * @param project     the project's name
 * @param shot        the shot
 * @param take        the take number, from 1
 * @param seed        the noise seed
 * @param request     what to render (unset settings: the model's defaults)
 * @param requestHash a stable hash of the model reference and the request ({@link #hash}); equal hashes render
 *                    equal videos with the same model package, which is what lets a batch skip finished takes
 */
public record Take(String project, Shot shot, int take, long seed, GenerationRequest request, String requestHash) {

    static Take of(String project, Shot shot, int take) {
        long seed = shot.seeds().get(take - 1);
        GenerationRequest request = GenerationRequest.builder(shot.prompt()).negativePrompt(shot.negative())
                .steps(shot.steps()).guidance(shot.guidance()).seed(seed).frames(shot.frames())
                .width(shot.width()).height(shot.height()).fps(shot.fps()).scheduler(shot.scheduler()).build();
        return new Take(project, shot, take, seed, request, hash(shot.model(), request));
    }

    /** The model reference of the shot (null: the built-in demo model). */
    public String model() {
        return shot.model();
    }

    /** A file-name-safe key unique within the project: {@code 01-opening/take-02} style, shot index from 1. */
    public String key() {
        return String.format("%02d-%s/take-%02d", shot.index() + 1, shot.name(), take);
    }

    /**
     * SHA-256 (hex) of the model reference and every request field, each written as {@code name=value} on its
     * own line in a fixed order, unset fields as {@code name=}. Field values are Java's own decimal forms.
     */
    public static String hash(String model, GenerationRequest r) {
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
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static void line(StringBuilder s, String name, Object value) {
        // Escape line breaks so a prompt cannot forge another field's line.
        String v = value == null ? "" : value.toString().replace("\\", "\\\\").replace("\n", "\\n");
        s.append(name).append('=').append(v).append('\n');
    }
}
