package dev.kino.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.request.RequestSchema;
import dev.kino.request.Setting;
import dev.kino.request.Surface;
import dev.kino.server.work.UploadedFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code /api/openapi.json}: the hand-written description of the endpoints ({@code openapi.json} beside this
 * class's package), with the job fields ({@code NewJob}) made from the request schema, so the document states the
 * names, types, limits and choices the server checks.
 */
final class OpenApi {
    private static final String UPLOADED = "^sha256:[0-9a-f]{64}$";

    private OpenApi() {
    }

    /** The document as served. */
    static String document() {
        try (InputStream in = OpenApi.class.getResourceAsStream("/dev/kino/server/openapi.json")) {
            ObjectNode doc = (ObjectNode) Views.JSON.readTree(in);
            ObjectNode job = (ObjectNode) doc.with("components").with("schemas").with("NewJob");
            ObjectNode props = job.putObject("properties");
            for (Setting<?> s : RequestSchema.on(Surface.HTTP)) {
                props.set(s.name(), property(s));
            }
            props.putObject("model").put("type", "string").put("default", "demo")
                    .put("description", "A model name from GET /api/models.");
            props.putObject("priority").put("type", "integer").put("minimum", -1000).put("maximum", 1000)
                    .put("default", 0).put("description", "Higher runs first.");
            job.put("type", "object").put("additionalProperties", false);
            job.putArray("required").add(RequestSchema.PROMPT.name());
            return Views.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One setting as a JSON Schema property. */
    static ObjectNode property(Setting<?> s) {
        ObjectNode p = Views.JSON.createObjectNode();
        switch (s.kind()) {
            case TEXT -> p.put("type", "string").put("minLength", (long) s.min()).put("maxLength", (long) s.max());
            case INTEGER -> p.put("type", "integer").put("minimum", (long) s.min()).put("maximum", (long) s.max());
            case NUMBER -> p.put("type", "number").put("minimum", s.min()).put("maximum", s.max());
            case CHOICE -> s.choices().forEach(p.put("type", "string").putArray("enum")::add);
            case FILE -> p.put("type", "string").put("pattern", UPLOADED);
            case FILES -> {
                p.put("type", "array").put("maxItems", (long) s.max());
                p.putObject("items").put("type", "string").put("pattern", UPLOADED);
            }
        }
        String files = s.kind() == Setting.Kind.FILE || s.kind() == Setting.Kind.FILES
                ? " Names a file uploaded with POST " + UploadedFiles.Kind.of(s).endpoint()
                + (s == RequestSchema.LORA ? " or listed by GET /api/loras" : "") + " (the server reads no paths)." : "";
        return p.put("description", s.doc() + files + " Default: " + (s.fromModel() ? "the model's" : s.defaultText())
                + ".");
    }
}
