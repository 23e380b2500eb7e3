package dev.kino.shots;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

/**
 * The record written beside each rendered take ({@code take-NN.json}), the same from {@code kino render} and the
 * Spark job: what was asked (its request hash, and the fingerprint of the plan that marks the take done, so a
 * rerun keeps it), the settings the engine used, where it ran, and (experts loaded one at a time) which expert
 * sessions it closed and opened.
 */
public final class TakeRecord {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TakeRecord() {
    }

    /**
     * The record as pretty-printed JSON.
     *
     * @param model    the model reference the take rendered with; null or {@code demo} for the built-in model
     *                 (written as null)
     * @param planFingerprint the fingerprint of the plan the take rendered ({@code --resume} compares it)
     * @param settings the engine's resolved settings (any Jackson-serialisable value)
     * @param device   what it rendered on ({@code cpu}, {@code cuda:N})
     * @param expertSessions the expert sessions the take closed and opened, loaded one at a time
     *                   ({@code GenerationResult.expertSessions()}); written only when not empty
     */
    public static String json(String project, String shot, int take, long seed, String model, String requestHash,
                              String planFingerprint, Object settings, String device, List<String> expertSessions) {
        ObjectNode n = JSON.createObjectNode();
        n.put("project", project);
        n.put("shot", shot);
        n.put("take", take);
        n.put("seed", seed);
        n.put("model", model == null || model.equalsIgnoreCase("demo") ? null : model);
        n.put("request_hash", requestHash);
        n.put("plan_fingerprint", planFingerprint);
        n.set("settings", JSON.valueToTree(settings));
        n.put("host", host());
        n.put("device", device);
        if (!expertSessions.isEmpty()) {   // Wan 2.2 with --experts one: what loading one at a time cost this take
            expertSessions.forEach(n.putArray("expert_sessions")::add);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** This machine's name, as the record and the results tables give it. */
    public static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
