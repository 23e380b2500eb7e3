package dev.kino.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.request.RequestSchema;
import dev.kino.request.Setting;
import dev.kino.request.SettingException;
import dev.kino.request.Sha256;
import dev.kino.request.Surface;
import dev.kino.shots.PictureFiles;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reading and checking request parts: ids, bodies, fields, idempotency keys. Every failure is a 4xx sentence. */
final class Requests {
    private static final Pattern JOB_ID = Pattern.compile("j-[0-9a-f]{16}");
    private static final Pattern PROJECT_ID = Pattern.compile("p-[0-9a-f]{16}");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private Requests() {
    }

    /** The path's job id, or a 404 without any lookup (so {@code ../} and friends never reach a file or query). */
    static String jobId(Context ctx) {
        String id = ctx.pathParam("id");
        if (!JOB_ID.matcher(id).matches()) {
            throw new ApiError(404, "There is no job " + shown(id) + "; job ids look like j-0123456789abcdef.");
        }
        return id;
    }

    static String projectId(Context ctx) {
        String id = ctx.pathParam("id");
        if (!PROJECT_ID.matcher(id).matches()) {
            throw new ApiError(404, "There is no project " + shown(id) + "; project ids look like p-0123456789abcdef.");
        }
        return id;
    }

    /** The body as a JSON object. */
    static JsonNode object(Context ctx) {
        String body = ctx.body();
        JsonNode n;
        try {
            n = Views.JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw ApiError.bad("The request body nests JSON deeper than " + Views.MAX_DEPTH + " levels; send one flat"
                    + " JSON object.");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw ApiError.bad("The request body is not valid JSON (" + e.getOriginalMessage().replaceAll("\\s+", " ")
                    + where + "); send a JSON object.");
        }
        if (n == null || !n.isObject()) {
            throw ApiError.bad("The request body must be a JSON object.");
        }
        return n;
    }

    static void onlyFields(JsonNode n, List<String> known) {
        n.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw ApiError.bad("The field " + shown(f) + " is unknown; known fields are " + String.join(", ", known) + ".");
            }
        });
    }

    static String text(JsonNode n, String field, boolean required, int max) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw ApiError.bad("The field \"" + field + "\" is missing.");
            }
            return null;
        }
        if (!v.isTextual() || (required && v.asText().isBlank())) {
            throw ApiError.bad("The field \"" + field + "\" must be non-empty text.");
        }
        if (v.asText().length() > max) {
            throw ApiError.bad("The field \"" + field + "\" is " + v.asText().length() + " characters long; at most "
                    + max + " are allowed.");
        }
        return v.asText();
    }

    static Long integer(JsonNode n, String field, long min, long max) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw ApiError.bad("The field \"" + field + "\" must be a whole number from " + min + " to " + max + ".");
        }
        return v.asLong();
    }

    static Integer smallInt(JsonNode n, String field, int min, int max) {
        Long v = integer(n, field, min, max);
        return v == null ? null : v.intValue();
    }

    /**
     * The request settings of a job's JSON, each read by its setting in {@code RequestSchema} (the same checks and
     * sentences as every other surface); file settings name uploaded files ({@code sha256:HEX}). An unset seed is 0.
     */
    static GenerationRequest generationRequest(JsonNode n, PictureFiles files) {
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        for (Setting<?> setting : RequestSchema.on(Surface.HTTP)) {
            JsonNode v = n.get(setting.name());
            if (v == null || v.isNull()) {
                if (setting.required()) {
                    throw ApiError.bad("The field \"" + setting.name() + "\" is missing.");
                }
                continue;
            }
            try {
                values.put(setting, setting.read(Views.JSON.treeToValue(v, Object.class),
                        files::find));
            } catch (SettingException e) {
                throw ApiError.bad("The field \"" + setting.name() + "\" " + e.problem() + ".");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw ApiError.bad("The field \"" + setting.name() + "\" cannot be read.");
            }
        }
        values.putIfAbsent(RequestSchema.SEED, 0L);
        return GenerationRequest.of(values);
    }

    /** The Idempotency-Key header, checked, or null. */
    static String idempotencyKey(Context ctx) {
        String key = ctx.header("Idempotency-Key");
        if (key != null && !KEY.matcher(key).matches()) {
            throw ApiError.bad("The Idempotency-Key must be 1 to 128 letters, digits or . _ : -.");
        }
        return key;
    }

    /** Hash of what a request asks for, to tell a retry from a different request under the same key. */
    static String bodyHash(Context ctx) {
        MessageDigest sha = Sha256.digest();
        sha.update((ctx.method() + " " + ctx.path() + "?" + ctx.queryString() + "\n").getBytes(StandardCharsets.UTF_8));
        sha.update(ctx.bodyAsBytes());
        return HexFormat.of().formatHex(sha.digest());
    }

    static String shown(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        return "\"" + t.replaceAll("[\\p{Cntrl}]", "?") + "\"";
    }
}
