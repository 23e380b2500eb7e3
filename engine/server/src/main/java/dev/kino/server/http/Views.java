package dev.kino.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.server.queue.Job;
import dev.kino.server.queue.Project;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON the API shows for jobs and projects (snake_case, video links instead of file names). */
final class Views {
    /** Deepest JSON nesting a request may have (a job or a pick is one flat object; shot lists need a few levels). */
    static final int MAX_DEPTH = 32;
    static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH).build()).build());

    private Views() {
    }

    static Map<String, Object> job(Job j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", j.id());
        m.put("project", j.projectId());
        m.put("shot", j.shot());
        m.put("shot_index", j.shotIndex());
        m.put("take", j.take());
        m.put("model", j.model());
        m.put("request", request(j.request()));
        m.put("request_hash", j.requestHash());
        m.put("priority", j.priority());
        m.put("state", j.state().key());
        m.put("worker", j.worker());
        m.put("cancel_requested", j.cancelRequested());
        m.put("step", j.step());
        m.put("steps", j.steps());
        m.put("resumed_from", j.resumedFrom());
        m.put("attempts", j.attempts());
        m.put("error", j.error());
        m.put("frames", j.frames());
        m.put("video", j.video() == null ? null : "/api/jobs/" + j.id() + "/video");
        m.put("created_at", j.createdAt());
        m.put("started_at", j.startedAt());
        m.put("finished_at", j.finishedAt());
        m.put("warnings", j.warnings());
        return m;
    }

    /**
     * A project with the shots {@code from} (inclusive) to {@code to} (exclusive) of its list and their takes;
     * {@code takes}/{@code finished} count the whole project, {@code next_shots_from} names the next page.
     */
    static Map<String, Object> project(Project p, JsonNode shotList, int from, int to, List<Job> jobs, int takeCount,
                                       int finished, Map<String, String> picks, boolean withShotList) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("name", p.name());
        m.put("created_at", p.createdAt());
        Map<String, List<Map<String, Object>>> byShot = new java.util.HashMap<>();
        for (Job j : jobs) {
            byShot.computeIfAbsent(j.shot(), k -> new ArrayList<>()).add(job(j));
        }
        List<Map<String, Object>> shots = new ArrayList<>();
        JsonNode all = shotList.path("shots");
        for (int i = from; i < to; i++) {
            JsonNode s = all.get(i);
            Map<String, Object> shot = new LinkedHashMap<>();
            String name = s.path("name").asText();
            shot.put("name", name);
            shot.put("index", i);
            shot.put("prompt", s.path("prompt").asText());
            shot.put("continue_from", s.hasNonNull("continue_from") ? s.get("continue_from").asText() : null);
            List<Map<String, Object>> takes = byShot.getOrDefault(name, new ArrayList<>());
            takes.sort((a, b) -> Integer.compare((Integer) a.get("take"), (Integer) b.get("take")));
            shot.put("takes", takes);
            shot.put("pick", picks.get(name));
            shots.add(shot);
        }
        m.put("shots", shots);
        m.put("shot_count", all.size());
        m.put("shots_from", from);
        m.put("next_shots_from", to < all.size() ? to : null);
        m.put("takes", takeCount);
        m.put("finished", finished);
        m.put("cut", p.cutVideo() == null ? null
                : Map.of("video", "/api/projects/" + p.id() + "/cut/video", "frames", p.cutFrames()));
        if (withShotList) {
            m.put("shot_list", p.shotList());
        }
        return m;
    }

    static Map<String, Object> projectSummary(Project p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("name", p.name());
        m.put("created_at", p.createdAt());
        m.put("cut", p.cutVideo() != null);
        return m;
    }

    private static JsonNode request(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
