package dev.kino.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the fields of one JSON object of the manifest, collecting every problem instead of stopping at the
 * first, so a user fixes a broken manifest in one pass.
 */
final class JsonFields {
    private final JsonNode node;
    private final String path;
    private final List<String> problems;
    private final java.util.Set<String> read = new java.util.HashSet<>();
    /** Every object read below the root (shared), so unknown keys are reported everywhere at the end. */
    private final List<JsonFields> sections;

    JsonFields(JsonNode node, String path, List<String> problems) {
        this(node, path, problems, new ArrayList<>());
    }

    private JsonFields(JsonNode node, String path, List<String> problems, List<JsonFields> sections) {
        this.node = node;
        this.path = path;
        this.problems = problems;
        this.sections = sections;
        sections.add(this);
    }

    void problem(String key, String what) {
        problems.add(where(key) + " " + what);
    }

    /** Element {@code index} of the array under {@code key}, as an object. */
    JsonFields element(String key, int index) {
        JsonNode e = get(key).get(index);
        return new JsonFields(e, where(key + "[" + index + "]"), problems, sections);
    }

    /** The object under {@code key}; a missing object is reported and read as empty. */
    JsonFields object(String key) {
        JsonNode child = get(key);
        if (child == null || !child.isObject()) {
            problems.add(where(key) + (child == null ? " is missing" : " must be an object"));
            child = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        return new JsonFields(child, where(key), problems, sections);
    }

    JsonNode raw(String key) {
        return get(key);
    }

    String string(String key) {
        JsonNode v = get(key);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            problems.add(where(key) + (v == null ? " is missing" : " must be a non-empty string"));
            return "";
        }
        return v.asText();
    }

    /** A string that may be absent or null. */
    String optionalString(String key, String fallback) {
        JsonNode v = get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            problems.add(where(key) + " must be a string or null");
            return fallback;
        }
        return v.asText();
    }

    int positiveInt(String key) {
        JsonNode v = get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
            problems.add(where(key) + (v == null ? " is missing" : " must be a positive integer"));
            return 1;
        }
        return v.asInt();
    }

    int optionalPositiveInt(String key, int fallback) {
        return has(key) ? positiveInt(key) : fallback;
    }

    double number(String key) {
        JsonNode v = get(key);
        if (v == null || !v.isNumber()) {
            problems.add(where(key) + (v == null ? " is missing" : " must be a number"));
            return 0;
        }
        return v.asDouble();
    }

    double optionalNumber(String key, double fallback) {
        return has(key) && !get(key).isNull() ? number(key) : fallback;
    }

    boolean bool(String key) {
        JsonNode v = get(key);
        if (v == null || !v.isBoolean()) {
            problems.add(where(key) + (v == null ? " is missing" : " must be true or false"));
            return false;
        }
        return v.asBoolean();
    }

    boolean optionalBool(String key, boolean fallback) {
        return has(key) ? bool(key) : fallback;
    }

    /** One of {@code allowed} (compared as given), reported with the allowed values when wrong. */
    String oneOf(String key, String... allowed) {
        String v = string(key);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        if (!v.isEmpty()) {
            problems.add(where(key) + " is \"" + v + "\" but must be one of " + String.join(", ", allowed));
        }
        return allowed[0];
    }

    /** An optional choice among {@code allowed}: the first when absent. */
    String optionalOneOf(String key, String... allowed) {
        return has(key) ? oneOf(key, allowed) : allowed[0];
    }

    /** A required list of non-empty strings (may be empty). */
    List<String> strings(String key) {
        JsonNode v = get(key);
        List<String> out = new ArrayList<>();
        if (v != null && v.isArray()) {
            for (JsonNode e : v) {
                if (e.isTextual() && !e.asText().isBlank()) {
                    out.add(e.asText());
                }
            }
            if (out.size() == v.size()) {
                return List.copyOf(out);
            }
        }
        problems.add(where(key) + (v == null ? " is missing" : " must be a list of names"));
        return List.of();
    }

    /** A list of numbers, or null when absent or null. */
    float[] optionalFloats(String key) {
        JsonNode v = get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            problems.add(where(key) + " must be a list of numbers");
            return null;
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isNumber()) {
                problems.add(where(key) + " must be a list of numbers");
                return null;
            }
            out[i] = (float) v.get(i).asDouble();
        }
        return out;
    }

    /** A list of positive integers of the given length, or the fallback when absent. */
    List<Integer> optionalInts(String key, int length, List<Integer> fallback) {
        JsonNode v = get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        List<Integer> out = new ArrayList<>();
        if (v.isArray() && v.size() == length) {
            for (JsonNode e : v) {
                if (e.isIntegralNumber() && e.asInt() > 0) {
                    out.add(e.asInt());
                }
            }
        }
        if (out.size() != length) {
            problems.add(where(key) + " must be a list of " + length + " positive integers");
            return fallback;
        }
        return List.copyOf(out);
    }

    private JsonNode get(String key) {
        read.add(key);
        return node.get(key);
    }

    private boolean has(String key) {
        read.add(key);
        return node.has(key);
    }

    /**
     * Reports every key of this object that no reader asked for: a misspelt key ("zero_paddding") would
     * otherwise be silently ignored and the model run wrongly. Keys starting with "_" are comments.
     */
    void rejectUnknownKeys() {
        for (JsonFields section : sections) {
            section.node.fieldNames().forEachRemaining(k -> {
                if (!section.read.contains(k) && !k.startsWith("_")) {
                    problems.add(section.where(k) + " is not a manifest key (misspelt?)");
                }
            });
        }
    }

    String where(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
