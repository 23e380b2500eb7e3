package dev.kino.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.Fixtures;
import dev.kino.denoise.StepListener;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.server.work.Workers;
import dev.kino.shots.TakeVideo;
import dev.kino.video.Mp4Writer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pictures on the server: uploads by content hash, shots and jobs naming them, continue_from waiting for a pick. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerPicturesTest {
    private static final Path I2V = Fixtures.testResources().resolve("wan-i2v");
    @TempDir
    static Path tmp;
    KinoServer server;
    String base;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        Path models = Files.createDirectories(tmp.resolve("models"));
        Files.createSymbolicLink(models.resolve("i2v"), I2V.resolve("tiny-wan21-i2v").toAbsolutePath());
        // text only (the built-in demo model continues shots since issue 13)
        Files.createSymbolicLink(models.resolve("t2v"), Fixtures.testResources().resolve("wan").resolve("tiny-wan21")
                .toAbsolutePath());
        server = KinoServer.start(new ServerConfig("127.0.0.1", 0, List.of(Device.CPU), tmp.resolve("data"), models,
                new Workers.Settings(1, 2, 2)));
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void uploadsAreStoredByContentHashAndOnlyPicturesAreKept() throws Exception {
        byte[] png = Files.readAllBytes(I2V.resolve("reference/images/first.png"));
        JsonNode up = upload(png, 201);
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(png));
        assertEquals("sha256:" + hex, up.path("picture").asText());
        assertArrayEquals(png, Files.readAllBytes(tmp.resolve("data/pictures").resolve(hex)));
        assertEquals(up, upload(png, 201), "the same bytes, the same picture");

        long before = files();
        JsonNode junk = upload("not a picture".getBytes(), 400);
        assertTrue(junk.path("error").asText().endsWith("."), junk.toString());
        assertEquals(before, files(), "nothing kept");
    }

    @Test
    void shotsNameOnlyUploadedPicturesAndTextModelsCannotContinue() throws Exception {
        String projectsBefore = send("GET", "/api/projects", null, 200).toString();
        String[][] cases = {
                {"\"model\": \"i2v\", \"image\": \"../../etc/passwd\"", "must name an uploaded picture as sha256:HEX"},
                {"\"model\": \"i2v\", \"image\": \"sha256:" + "0".repeat(64) + "\"", "names no picture uploaded"},
        };
        for (String[] c : cases) {
            JsonNode r = send("POST", "/api/projects", "{\"project\": \"p\", \"shots\": [{\"name\": \"a\", "
                    + "\"prompt\": \"x\", " + c[0] + "}]}", 400);
            assertTrue(r.path("error").asText().contains(c[1]), r.toString());
        }
        JsonNode text = send("POST", "/api/projects", "{\"project\": \"p\", \"defaults\": {\"model\": \"t2v\"}, "
                + "\"shots\": [{\"name\": \"a\", \"prompt\": \"x\"}, {\"name\": \"b\", \"prompt\": \"y\", "
                + "\"continue_from\": \"a\"}]}", 400);
        assertTrue(text.path("error").asText().contains("text only"), text.toString());
        JsonNode job = send("POST", "/api/jobs", "{\"prompt\": \"x\", \"model\": \"i2v\", \"image\": \"/etc/passwd\"}", 400);
        assertTrue(job.path("error").asText().startsWith("The field \"image\" must name an uploaded picture"), job.toString());
        assertEquals(projectsBefore, send("GET", "/api/projects", null, 200).toString(), "nothing stored");
    }

    @Test
    void aContinuationWaitsForThePickAndStartsFromItsLastFrame() throws Exception {
        String ref = upload(Files.readAllBytes(I2V.resolve("reference/images/first.png")), 201).path("picture").asText();
        JsonNode p = send("POST", "/api/projects", """
                {"project": "chain", "defaults": {"model": "i2v", "steps": 1},
                 "shots": [{"name": "a", "prompt": "a red fox", "image": "%s", "fit": "pad", "seeds": [3, 4]},
                           {"name": "b", "prompt": "a red fox", "continue_from": "a", "seeds": [9]}]}
                """.formatted(ref), 201);
        String id = p.path("id").asText();
        assertEquals("a", p.path("shots").get(1).path("continue_from").asText());
        JsonNode done = await(id, v -> v.path("shots").get(0).path("takes").findValues("state").stream()
                .allMatch(s -> s.asText().equals("succeeded")));
        Thread.sleep(1500); // a worker is idle now: the continuation must still wait for a pick
        JsonNode b = done.path("shots").get(1).path("takes").get(0);
        assertEquals("queued", send("GET", "/api/jobs/" + b.path("id").asText(), null, 200).path("state").asText());

        JsonNode picked = done.path("shots").get(0).path("takes").get(1);
        send("PUT", "/api/projects/" + id + "/picks/a", "{\"job\": \"" + picked.path("id").asText() + "\"}", 200);
        JsonNode finished = await(id, v -> v.path("shots").get(1).path("takes").get(0).path("state").asText()
                .equals("succeeded"));
        String bId = finished.path("shots").get(1).path("takes").get(0).path("id").asText();

        // Its MP4 equals the library's render continuing from the picked take's MP4.
        Path source = tmp.resolve("picked.mp4");
        Files.write(source, raw("/api/jobs/" + picked.path("id").asText() + "/video"));
        Path reference = tmp.resolve("reference.mp4");
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(I2V.resolve("tiny-wan21-i2v"), Device.CPU)) {
            GenerationResult r = kino.generate(GenerationRequest.builder("a red fox").steps(1).seed(9L)
                    .continueFrom(source).build(), StepListener.NONE);
            Mp4Writer.write(r.frames(), r.settings().fps(), reference,
                    TakeVideo.viewingScale(r.frames().width(), r.frames().height()));
        }
        assertArrayEquals(Files.readAllBytes(reference), raw("/api/jobs/" + bId + "/video"));
    }

    @Test
    void aPictureChangedOnDiskIsRefusedAtSubmitInOneSentence() throws Exception {
        byte[] png = Files.readAllBytes(I2V.resolve("reference/images/last.png"));
        String ref = upload(png, 201).path("picture").asText();
        java.nio.file.Path stored = tmp.resolve("data/pictures").resolve(ref.substring(7));
        byte[] other = Files.readAllBytes(I2V.resolve("reference/images/portrait.png"));
        Files.write(stored, other);
        String body = "{\"prompt\": \"x\", \"model\": \"i2v\", \"steps\": 1, \"image\": \"" + ref + "\"}";
        JsonNode refused = send("POST", "/api/jobs", body, 400);
        assertTrue(refused.path("error").asText().contains("changed on the server's disk"), refused.toString());
        // Changed after a submit, the job's stored plan refuses it at render time (GenerationPlan.fromJson's check).
    }

    private long files() throws Exception {
        try (var s = Files.list(tmp.resolve("data/pictures"))) {
            return s.count();
        }
    }

    private JsonNode upload(byte[] bytes, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/pictures"))
                .header("Authorization", "Bearer " + server.token()).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), r.body());
        return TestServer.JSON.readTree(r.body());
    }

    private JsonNode send(String method, String path, String body, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + server.token()).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), method + " " + path + ": " + r.body());
        return TestServer.JSON.readTree(r.body());
    }

    private byte[] raw(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer "
                + server.token()).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
    }

    private JsonNode await(String project, java.util.function.Predicate<JsonNode> done) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode v = send("GET", "/api/projects/" + project, null, 200);
            if (done.test(v)) {
                return v;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out on project " + project);
    }

    private JsonNode awaitJob(String id) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode v = send("GET", "/api/jobs/" + id, null, 200);
            if (v.path("state").asText().matches("succeeded|failed|canceled")) {
                return v;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out on job " + id);
    }
}
