package dev.kino.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.runtime.Device;
import dev.kino.server.work.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Limits under hostile use: chunked bodies obey the same limits as announced ones, deep JSON nesting is a 400,
 * HEAD answers like GET without the body, an idempotency key outlives what it made, projects and uploads can be
 * deleted, uploads have a quota, and unused uploads are collected.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerLimitsTest {
    private static final long QUOTA = 400_000;
    @TempDir
    static Path tmp;
    KinoServer server;
    String base;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() {
        server = KinoServer.start(config());
        base = "http://127.0.0.1:" + server.port();
    }

    private static ServerConfig config() {
        return new ServerConfig("127.0.0.1", 0, List.of(Device.CPU), tmp.resolve("data"), null,
                new Workers.Settings(1, 2, 2), QUOTA);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** Sends {@code body} chunked (no Content-Length), as {@code curl -H 'Transfer-Encoding: chunked'} does. */
    private HttpResponse<String> chunked(String method, String path, byte[] body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + server.token())
                .method(method, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + server.token())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return TestServer.JSON.readTree(r.body());
    }

    private List<String> files(String folder) throws IOException {
        Path dir = tmp.resolve("data").resolve(folder);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void chunkedBodiesObeyTheSameLimits() throws Exception {
        int jobs = json(send("GET", "/api/jobs?limit=10000", null)).size();
        String big = "{\"prompt\": \"" + "a".repeat(2_600_000) + "\"}";
        for (String[] target : new String[][] {{"POST", "/api/jobs"}, {"POST", "/api/projects"},
                {"PATCH", "/api/jobs/j-0123456789abcdef"}}) {
            HttpResponse<String> r = chunked(target[0], target[1], big.getBytes(StandardCharsets.UTF_8));
            assertEquals(413, r.statusCode(), target[1] + ": " + r.body());
            assertEquals("The request body is larger than 1 MiB; send a smaller shot list or split the project.",
                    json(r).path("error").asText());
        }
        assertEquals(jobs, json(send("GET", "/api/jobs?limit=10000", null)).size(), "nothing was stored");

        byte[] picture = new byte[17 << 20];
        new Random(1).nextBytes(picture);
        List<String> before = files("pictures");
        HttpResponse<String> r = chunked("POST", "/api/pictures", picture);
        assertEquals(413, r.statusCode(), r.body());
        assertEquals("The picture is larger than 16 MiB; send a smaller PNG, JPEG or WebP file.", json(r).path("error").asText());
        assertEquals(before, files("pictures"), "no picture and no partial file kept");

        HttpResponse<String> small = chunked("POST", "/api/jobs",
                "{\"prompt\": \"a chunked circle\", \"steps\": 1}".getBytes(StandardCharsets.UTF_8));
        assertEquals(201, small.statusCode(), "a chunked body within the limit is read: " + small.body());
    }

    @Test
    void deepJsonNestingIsA400SentenceEverywhere() throws Exception {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String[][] targets = {{"POST", "/api/jobs", "{\"prompt\": \"x\", \"seed\": " + deep + "}"},
                {"PATCH", "/api/jobs/j-0123456789abcdef", "{\"priority\": " + deep + "}"},
                {"PUT", "/api/projects/p-0123456789abcdef/picks/a", "{\"job\": " + deep + "}"},
                {"POST", "/api/jobs", deep}};
        for (String[] t : targets) {
            HttpResponse<String> r = send(t[0], t[1], t[2]);
            assertEquals(400, r.statusCode(), t[0] + " " + t[1] + ": " + r.body());
            String error = json(r).path("error").asText();
            assertTrue(error.contains("nests JSON deeper than 32 levels") && error.endsWith("."), error);
        }
        HttpResponse<String> project = send("POST", "/api/projects", "{\"project\": \"p\", \"shots\": " + deep + "}");
        assertEquals(400, project.statusCode(), project.body());
    }

    @Test
    void headOnAVideoAnswersLikeGetWithoutTheBody() throws Exception {
        String id = json(send("POST", "/api/jobs", "{\"prompt\": \"a green dot\", \"steps\": 1}")).path("id").asText();
        awaitState(id, "succeeded");
        HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + id + "/video"))
                .header("Authorization", "Bearer " + server.token()).build(), HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> head = http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + id + "/video"))
                .header("Authorization", "Bearer " + server.token()).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        assertEquals("video/mp4", head.headers().firstValue("Content-Type").orElse(""));
        assertEquals(String.valueOf(get.body().length), head.headers().firstValue("Content-Length").orElse(""));
        assertEquals(0, head.body().length);
    }

    @Test
    void anIdempotencyKeyReplayedAfterItsResultWasDeletedIsGone() throws Exception {
        String body = "{\"prompt\": \"a kept promise\", \"steps\": 1}";
        HttpResponse<String> first = send("POST", "/api/jobs", body, "Idempotency-Key", "gone-1");
        String id = json(first).path("id").asText();
        awaitState(id, "succeeded");
        assertEquals(204, send("DELETE", "/api/jobs/" + id, null).statusCode());
        HttpResponse<String> replay = send("POST", "/api/jobs", body, "Idempotency-Key", "gone-1");
        assertEquals(410, replay.statusCode(), replay.body());
        assertEquals("The Idempotency-Key gone-1 made the job " + id + ", which has since been deleted; send the request"
                + " with a new key to submit it again.", json(replay).path("error").asText());

        String list = "{\"project\": \"gone\", \"defaults\": {\"steps\": 1}, \"shots\": [{\"name\": \"a\", \"prompt\": \"x\"}]}";
        String pid = json(send("POST", "/api/projects", list, "Idempotency-Key", "gone-2")).path("id").asText();
        awaitProject(pid);
        assertEquals(204, send("DELETE", "/api/projects/" + pid, null).statusCode());
        assertEquals(410, send("POST", "/api/projects", list, "Idempotency-Key", "gone-2").statusCode());
        assertEquals(404, send("GET", "/api/projects/" + pid, null).statusCode());
    }

    @Test
    void aDeletedProjectTakesItsTakesPicksAndCutAlong() throws Exception {
        String list = "{\"project\": \"bye\", \"defaults\": {\"steps\": 1}, \"shots\": [{\"name\": \"a\", \"prompt\": \"x\"}]}";
        String pid = json(send("POST", "/api/projects", list)).path("id").asText();
        JsonNode p = awaitProject(pid);
        String take = p.path("shots").get(0).path("takes").get(0).path("id").asText();
        assertEquals(200, send("PUT", "/api/projects/" + pid + "/picks/a", "{\"job\": \"" + take + "\"}").statusCode());
        assertEquals(200, send("POST", "/api/projects/" + pid + "/cut", null).statusCode());
        assertTrue(files("videos").containsAll(List.of(take + ".mp4", "cut-" + pid + ".mp4")));
        assertEquals(204, send("DELETE", "/api/projects/" + pid, null).statusCode());
        assertFalse(files("videos").contains(take + ".mp4"), "the take's video is gone");
        assertFalse(files("videos").contains("cut-" + pid + ".mp4"), "the cut is gone");
        assertEquals(404, send("GET", "/api/jobs/" + take, null).statusCode());
        assertEquals(404, send("DELETE", "/api/projects/" + pid, null).statusCode());
    }

    @Test
    void uploadsHaveAQuotaCanBeDeletedAndUnusedOnesAreCollected() throws Exception {
        String first = upload(noise(1), 201).path("picture").asText();
        String second = upload(noise(2), 201).path("picture").asText(); // ~2 x 190 KB of the 400 KB quota
        JsonNode over = upload(noise(3), 507);
        assertTrue(over.path("error").asText().startsWith("Uploaded files use "), over.toString());
        assertEquals(3 - 1, files("pictures").size(), "nothing kept of the refused upload");

        String list = "{\"project\": \"uses\", \"defaults\": {\"steps\": 1}, \"shots\": [{\"name\": \"a\", \"prompt\":"
                + " \"x\", \"image\": \"" + first + "\", \"fit\": \"crop\"}]}";
        HttpResponse<String> made = send("POST", "/api/projects", list);
        assertEquals(201, made.statusCode(), made.body());
        HttpResponse<String> used = send("DELETE", "/api/pictures/" + first, null);
        assertEquals(409, used.statusCode(), "a project names it: " + used.body());
        assertEquals(204, send("DELETE", "/api/pictures/" + second, null).statusCode());
        assertEquals(404, send("DELETE", "/api/pictures/" + second, null).statusCode());
        assertEquals(201, upload(noise(3), 201).has("picture") ? 201 : 0, "room again after the delete");

        // Collection: the used upload stays, an unused one older than a day goes (at start, then hourly).
        String third = "sha256:" + files("pictures").stream().filter(f -> !first.endsWith(f)).findFirst().orElseThrow();
        Path dir = tmp.resolve("data").resolve("pictures");
        for (String ref : List.of(first, third)) {
            Files.setLastModifiedTime(dir.resolve(ref.substring(7)), FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        }
        server.close();
        server = KinoServer.start(config());
        base = "http://127.0.0.1:" + server.port();
        long end = System.nanoTime() + 20_000_000_000L;
        while (files("pictures").contains(third.substring(7)) && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertEquals(List.of(first.substring(7)), files("pictures"), "the unused upload was collected, the used one kept");
    }

    @Test
    void picksNeedAFinishedTakeAndDeletingAPickIsExplicit() throws Exception {
        String list = "{\"project\": \"picky\", \"defaults\": {\"steps\": 400, \"takes\": 2}, \"shots\": [{\"name\": \"a\","
                + " \"prompt\": \"x\"}]}";
        JsonNode p = json(send("POST", "/api/projects?priority=100", list));
        String pid = p.path("id").asText();
        String second = p.path("shots").get(0).path("takes").get(1).path("id").asText();
        HttpResponse<String> early = send("PUT", "/api/projects/" + pid + "/picks/a", "{\"job\": \"" + second + "\"}");
        assertEquals(409, early.statusCode(), early.body());
        assertTrue(json(early).path("error").asText().contains("pick a take that has finished rendering"), early.body());
        for (JsonNode t : p.path("shots").get(0).path("takes")) {
            send("POST", "/api/jobs/" + t.path("id").asText() + "/cancel", null);
        }
        String quick = "{\"project\": \"picked\", \"defaults\": {\"steps\": 1}, \"shots\": [{\"name\": \"a\", \"prompt\": \"x\"}]}";
        String qid = json(send("POST", "/api/projects", quick)).path("id").asText();
        String take = awaitProject(qid).path("shots").get(0).path("takes").get(0).path("id").asText();
        send("PUT", "/api/projects/" + qid + "/picks/a", "{\"job\": \"" + take + "\"}");
        HttpResponse<String> refused = send("DELETE", "/api/jobs/" + take, null);
        assertEquals(409, refused.statusCode(), "a pick is never dropped silently: " + refused.body());
        assertEquals(take, json(send("GET", "/api/projects/" + qid, null)).path("shots").get(0).path("pick").asText());
        assertEquals(204, send("DELETE", "/api/jobs/" + take + "?unpick=true", null).statusCode());
        assertTrue(json(send("GET", "/api/projects/" + qid, null)).path("shots").get(0).path("pick").isNull());
    }

    @Test
    void theJobListPagesBeyondItsFirstPage() throws Exception {
        for (int i = 0; i < 3; i++) {
            send("POST", "/api/jobs", "{\"prompt\": \"page " + i + "\", \"steps\": 1}");
        }
        JsonNode all = json(send("GET", "/api/jobs?limit=10000", null));
        JsonNode page2 = json(send("GET", "/api/jobs?limit=2&offset=2", null));
        assertEquals(all.get(2).path("id"), page2.get(0).path("id"));
        assertEquals(all.get(3).path("id"), page2.get(1).path("id"));
        assertEquals(400, send("GET", "/api/jobs?offset=-1", null).statusCode());
    }

    @Test
    void wordsTheModelDoesNotKnowReachTheJob() throws Exception {
        String id = json(send("POST", "/api/jobs", "{\"prompt\": \"a purple flibbertigibbet moving right\", \"steps\": 1}"))
                .path("id").asText();
        awaitState(id, "succeeded");
        JsonNode warnings = json(send("GET", "/api/jobs/" + id, null)).path("warnings");
        assertEquals(1, warnings.size(), warnings.toString());
        assertEquals("The model does not know these words of the prompt, so they were ignored: flibbertigibbet.",
                warnings.get(0).asText());
    }

    private JsonNode upload(byte[] png, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/pictures"))
                .header("Authorization", "Bearer " + server.token()).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), r.body());
        return json(r);
    }

    /** A PNG of random pixels (about 190 KB: noise does not compress). */
    static byte[] noise(long seed) throws IOException {
        BufferedImage img = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private void awaitState(String id, String state) throws Exception {
        long end = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < end) {
            if (json(send("GET", "/api/jobs/" + id, null)).path("state").asText().equals(state)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + id + " never " + state);
    }

    private JsonNode awaitProject(String id) throws Exception {
        long end = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < end) {
            JsonNode p = json(send("GET", "/api/projects/" + id, null));
            if (p.path("finished").asInt() == p.path("takes").asInt()) {
                return p;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("project " + id + " never finished");
    }
}
