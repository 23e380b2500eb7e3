package dev.kino.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
            long t0 = System.nanoTime();
            CompletableFuture<TestServer.Reply> big = CompletableFuture.supplyAsync(
                    () -> s.call("POST", "/api/projects?priority=-5", list.toString()));
            List<Long> waits = new ArrayList<>();
            while (!big.isDone()) {
                long a = System.nanoTime();
                assertEquals(200, s.call("GET", "/api/jobs/" + single, null).status());
                assertEquals(200, s.call("GET", "/api/health", null).status());
                waits.add((System.nanoTime() - a) / 1_000_000);
                Thread.sleep(20);
            }
            long submitMs = (System.nanoTime() - t0) / 1_000_000;
            TestServer.Reply r = big.get();
            assertEquals(201, r.status(), r.body().substring(0, Math.min(300, r.body().length())));
            long slowest = waits.stream().mapToLong(Long::longValue).max().orElse(0);
            System.out.println("1000 x 100 submit: " + submitMs + " ms; " + waits.size() + " pairs of GETs meanwhile, slowest "
                    + slowest + " ms; answer " + r.body().length() + " bytes");
            // Before reads had their own connection, a GET waited for the whole insert (13 s of a 44 s submit).
            assertTrue(waits.size() >= 3 && slowest < Math.max(2000, submitMs / 10),
                    "other requests were answered during the submit, not after it: " + waits + " during " + submitMs + " ms");

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
