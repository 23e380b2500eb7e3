package dev.kino.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The largest project the documented limits allow (1000 shots x 100 takes, 100,000 jobs): other requests are
 * answered while it is submitted, and {@code GET /api/projects/ID} comes in pages, never as one huge answer.
 */
class BigProjectTest {
    @TempDir
    Path tmp;

    @Test
    void aThousandShotsOfAHundredTakesNeitherBlockNorComeBackWhole() throws Exception {
        StringBuilder list = new StringBuilder("{\"project\": \"epic\", \"defaults\": {\"steps\": 1, \"takes\": 100},"
                + " \"shots\": [");
        for (int i = 0; i < 1000; i++) {
            list.append(i == 0 ? "" : ",").append("{\"name\": \"s").append(i).append("\", \"prompt\": \"a red circle ")
                    .append(i).append("\"}");
        }
        list.append("]}");
        try (TestServer s = new TestServer(tmp.resolve("data"), 1)) {
            String single = s.call("POST", "/api/jobs", "{\"prompt\": \"x\", \"steps\": 1}").json().path("id").asText();
            CompletableFuture<TestServer.Reply> big = CompletableFuture.supplyAsync(
                    () -> s.call("POST", "/api/projects?priority=-5", list.toString()));
            // Other requests are answered while the project is submitted, not only after it: each GET has the
            // client's 60 s limit, and several complete before the submit does. How long they wait is measured by
            // `kino bench serve-big-project`, not asserted here.
            int answered = 0;
            while (!big.isDone()) {
                assertEquals(200, s.call("GET", "/api/jobs/" + single, null).status());
                assertEquals(200, s.call("GET", "/api/health", null).status());
                answered += big.isDone() ? 0 : 1;
                Thread.sleep(20);
            }
            TestServer.Reply r = big.get();
            assertEquals(201, r.status(), r.body().substring(0, Math.min(300, r.body().length())));
            assertTrue(answered >= 3, "other requests were answered during the submit: " + answered);

            JsonNode first = r.json();
            String id = first.path("id").asText();
            assertEquals(100_000, first.path("takes").asInt());
            assertEquals(1000, first.path("shot_count").asInt());
            assertEquals(20, first.path("shots").size());
            assertEquals(20, first.path("next_shots_from").asInt());
            assertTrue(r.body().length() < 4_000_000, "one page, not the whole project: " + r.body().length() + " bytes");

            JsonNode last = s.call("GET", "/api/projects/" + id + "?shots_from=990&shots_limit=50", null).json();
            assertEquals(10, last.path("shots").size());
            assertEquals("s999", last.path("shots").get(9).path("name").asText());
            assertEquals(100, last.path("shots").get(9).path("takes").size());
            assertTrue(last.path("next_shots_from").isNull());
            assertEquals(400, s.call("GET", "/api/projects/" + id + "?shots_limit=0", null).status());
        }
    }
}
