package dev.kino.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.demo.DemoModel;
import dev.kino.denoise.StepListener;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.shots.TakeVideo;
import dev.kino.video.Mp4Reader;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API end to end on the demo model: every endpoint, auth, ranges, cancel, events, projects, bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerApiTest {
    @TempDir
    static Path data;
    TestServer s;

    @BeforeAll
    void start() {
        s = new TestServer(data);
    }

    @AfterAll
    void stop() {
        s.close();
    }

    static final List<String[]> ENDPOINTS = List.of(
            new String[] {"GET", "/api/jobs"}, new String[] {"POST", "/api/jobs"},
            new String[] {"GET", "/api/jobs/j-0123456789abcdef"}, new String[] {"PATCH", "/api/jobs/j-0123456789abcdef"},
            new String[] {"DELETE", "/api/jobs/j-0123456789abcdef"}, new String[] {"POST", "/api/jobs/j-0123456789abcdef/cancel"},
            new String[] {"GET", "/api/jobs/j-0123456789abcdef/video"}, new String[] {"GET", "/api/projects"},
            new String[] {"POST", "/api/projects"}, new String[] {"GET", "/api/projects/p-0123456789abcdef"},
            new String[] {"PUT", "/api/projects/p-0123456789abcdef/picks/a"},
            new String[] {"POST", "/api/projects/p-0123456789abcdef/cut"},
            new String[] {"GET", "/api/projects/p-0123456789abcdef/cut/video"},
            new String[] {"GET", "/api/projects/p-0123456789abcdef/cut/otio"},
            new String[] {"GET", "/api/projects/p-0123456789abcdef/cut/edl"},
            new String[] {"GET", "/api/projects/p-0123456789abcdef/cut/prores"}, new String[] {"GET", "/api/models"},
            new String[] {"GET", "/api/health"}, new String[] {"POST", "/api/session"}, new String[] {"GET", "/api/events"},
            new String[] {"POST", "/api/pictures"});

    @Test
    void everyEndpointNeedsTheToken() {
        for (String[] e : ENDPOINTS) {
            for (String token : new String[] {null, "not-the-token"}) {
                TestServer.Reply r = s.callAs(token, e[0], e[1], e[0].equals("GET") ? null : "{}");
                assertEquals(401, r.status(), e[0] + " " + e[1]);
                assertTrue(r.json().path("error").asText().endsWith("."), r.body());
            }
        }
        assertTrue(Files.isRegularFile(data.resolve("token")));
        try {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(data.resolve("token"))));
        } catch (java.io.IOException ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void aPortInUseIsOneSentenceAndWritesNothing() {
        Path other = data.resolveSibling("other-data");
        dev.kino.KinoException e = org.junit.jupiter.api.Assertions.assertThrows(dev.kino.KinoException.class,
                () -> KinoServer.start(new ServerConfig("127.0.0.1", s.server.port(), List.of(Device.CPU), other, null,
                        dev.kino.server.work.Workers.Settings.DEFAULT)));
        assertEquals("The port " + s.server.port() + " on 127.0.0.1 is in use; stop what uses it or choose another --port.",
                e.getMessage());
        assertFalse(Files.exists(other), "no data folder, no token made");
    }

    @Test
    void theOpenApiFileDescribesEveryEndpoint() {
        TestServer.Reply r = s.callAs(null, "GET", "/api/openapi.json", null);
        assertEquals(200, r.status());
        JsonNode paths = r.json().path("paths");
        for (String[] e : ENDPOINTS) {
            String path = e[1].replace("j-0123456789abcdef", "{id}").replace("p-0123456789abcdef", "{id}")
                    .replace("/picks/a", "/picks/{shot}");
            assertTrue(paths.path(path).has(e[0].toLowerCase()), "openapi.json has " + e[0] + " " + path);
        }
        JsonNode models = s.call("GET", "/api/models", null).json();
        assertEquals("demo", models.get(0).path("name").asText());
        assertEquals(64, models.get(0).path("defaults").path("width").asInt());
    }

    @Test
    void aJobRendersToTheSameBytesAsTheLibraryAndItsVideoSeeksByRange() throws Exception {
        TestServer.Reply submitted = s.call("POST", "/api/jobs", "{\"prompt\": \"a purple square moving down\", \"steps\": 6, \"seed\": 41}");
        assertEquals(201, submitted.status(), submitted.body());
        String id = submitted.json().path("id").asText();
        JsonNode done = s.await("/api/jobs/" + id, j -> j.path("state").asText().equals("succeeded"), 60);
        assertEquals(16, done.path("frames").asInt());

        byte[] served = s.call("GET", "/api/jobs/" + id + "/video", null).raw().body();
        Path reference = data.resolveSibling("reference-" + id + ".mp4");
        try (TextToVideoPipeline kino = DemoModel.load(Device.CPU)) {
            GenerationResult r = kino.generate(GenerationRequest.builder("a purple square moving down").steps(6).seed(41L)
                    .build(), StepListener.NONE);
            Mp4Writer.write(r.frames(), r.settings().fps(), reference, TakeVideo.viewingScale(64, 64));
        }
        assertArrayEquals(Files.readAllBytes(reference), served, "the server writes what kino generate writes");

        TestServer.Reply part = s.call("GET", "/api/jobs/" + id + "/video", null, "Range", "bytes=100-199");
        assertEquals(206, part.status());
        assertEquals("bytes 100-199/" + served.length, part.raw().headers().firstValue("Content-Range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(served, 100, 200), part.raw().body());
        TestServer.Reply tail = s.call("GET", "/api/jobs/" + id + "/video", null, "Range", "bytes=-10");
        assertArrayEquals(Arrays.copyOfRange(served, served.length - 10, served.length), tail.raw().body());
        TestServer.Reply outside = s.call("GET", "/api/jobs/" + id + "/video", null, "Range", "bytes=" + served.length + "-");
        assertEquals(416, outside.status());
    }

    @Test
    void cancelStopsQueuedAndRunningJobs() {
        String body = "{\"prompt\": \"a red circle moving left\", \"steps\": 1000, \"priority\": 9}";
        String a = s.call("POST", "/api/jobs", body).json().path("id").asText();
        String b = s.call("POST", "/api/jobs", body).json().path("id").asText();
        String c = s.call("POST", "/api/jobs", body.replace("9}", "-9}")).json().path("id").asText();
        s.await("/api/jobs/" + a, j -> j.path("state").asText().equals("running"), 30);
        s.await("/api/jobs/" + b, j -> j.path("state").asText().equals("running"), 30);
        TestServer.Reply queued = s.call("POST", "/api/jobs/" + c + "/cancel", null);
        assertEquals(202, queued.status());
        assertEquals("canceled", queued.json().path("state").asText());
        for (String id : List.of(a, b)) {
            assertEquals(202, s.call("POST", "/api/jobs/" + id + "/cancel", null).status());
            JsonNode j = s.await("/api/jobs/" + id, x -> x.path("state").asText().equals("canceled"), 30);
            assertTrue(j.path("step").asInt() < 1000, "stopped before the end: " + j);
        }
        assertEquals(409, s.call("POST", "/api/jobs/" + a + "/cancel", null).status(), "already canceled");
        assertFalse(Files.exists(data.resolve("videos").resolve(a + ".mp4")));
    }

    @Test
    void priorityChangeAndDelete() {
        String slow = "{\"prompt\": \"a white triangle moving up\", \"steps\": 1000, \"priority\": 50}";
        String x = s.call("POST", "/api/jobs", slow).json().path("id").asText();
        String y = s.call("POST", "/api/jobs", slow).json().path("id").asText();
        String z = s.call("POST", "/api/jobs", "{\"prompt\": \"a blue circle\", \"steps\": 2, \"priority\": -50}").json().path("id").asText();
        s.await("/api/jobs/" + y, j -> j.path("state").asText().equals("running"), 30);
        TestServer.Reply p = s.call("PATCH", "/api/jobs/" + z, "{\"priority\": 7}");
        assertEquals(200, p.status(), p.body());
        assertEquals(7, p.json().path("priority").asInt());
        assertEquals(409, s.call("DELETE", "/api/jobs/" + x, null).status(), "running: cancel first");
        s.call("POST", "/api/jobs/" + x + "/cancel", null);
        s.call("POST", "/api/jobs/" + y + "/cancel", null);
        s.await("/api/jobs/" + z, j -> j.path("state").asText().equals("succeeded"), 60);
        assertEquals(409, s.call("PATCH", "/api/jobs/" + z, "{\"priority\": 1}").status(), "finished");
        assertTrue(Files.exists(data.resolve("videos").resolve(z + ".mp4")));
        assertEquals(204, s.call("DELETE", "/api/jobs/" + z, null).status());
        assertFalse(Files.exists(data.resolve("videos").resolve(z + ".mp4")), "its video goes too");
        assertEquals(404, s.call("GET", "/api/jobs/" + z, null).status());
    }

    @Test
    void aRetriedSubmitWithTheSameKeyMakesOneJob() {
        String body = "{\"prompt\": \"a green circle moving right\", \"steps\": 2}";
        TestServer.Reply first = s.call("POST", "/api/jobs", body, "Idempotency-Key", "retry-1");
        TestServer.Reply second = s.call("POST", "/api/jobs", body, "Idempotency-Key", "retry-1");
        assertEquals(201, first.status());
        assertEquals(200, second.status());
        assertEquals(first.json().path("id"), second.json().path("id"));
        TestServer.Reply other = s.call("POST", "/api/jobs", body.replace("green", "red"), "Idempotency-Key", "retry-1");
        assertEquals(409, other.status());
        assertTrue(other.json().path("error").asText().contains("different request"), other.body());
    }

    @Test
    void badRequestsGetOneSentenceAndChangeNothing() throws Exception {
        int jobsBefore = s.call("GET", "/api/jobs?limit=10000", null).json().size();
        int projectsBefore = s.call("GET", "/api/projects", null).json().size();
        List<String> filesBefore = files();
        String huge = "{\"prompt\": \"" + "a".repeat(1_100_000) + "\"}";
        Object[][] bad = {
                {"POST", "/api/jobs", "{\"prompt\": \"x\", \"model\": \"../../etc/passwd\"}", 400, "no model named"},
                {"POST", "/api/jobs", "{\"prompt\": \"x\", \"model\": \"nope\"}", 400, "use one of demo"},
                {"POST", "/api/jobs", "{\"prompt\": \"x\", \"width\": 128}", 400, "fixed video size"},
                {"POST", "/api/jobs", "{\"prompt\": \"x\", \"stpes\": 3}", 400, "\"stpes\" is unknown"},
                {"POST", "/api/jobs", "{\"prompt\": \"" + "a".repeat(2001) + "\"}", 400, "at most 2000"},
                {"POST", "/api/jobs", "{\"prompt\": \"x\", \"steps\": 0}", 400, "from 1 to 1000"},
                {"POST", "/api/jobs", "{\"prompt\": ", 400, "not valid JSON"},
                {"POST", "/api/jobs", "[1, 2]", 400, "JSON object"},
                {"POST", "/api/jobs", huge, 413, "larger than 1 MiB"},
                {"POST", "/api/projects", "{\"project\": \"p\", \"shots\": [{\"name\": \"a\", \"stpes\": 2}]}", 400, "line 1, shots[0]"},
                {"POST", "/api/projects", "{\"project\": \"p\", \"shots\": [{\"name\": \"a\", \"prompt\": \"x\", \"frames\": 9}]}", 400, "shot a take 1"},
                {"POST", "/api/projects?priority=high", "{\"project\": \"p\", \"shots\": [{\"name\": \"a\", \"prompt\": \"x\"}]}", 400, "priority"},
                {"GET", "/api/jobs/..%2F..%2Ftoken", null, 404, "job ids look like"},
                {"GET", "/api/jobs/j-0123456789abcdef/video", null, 404, "no job"},
                {"GET", "/api/projects/../token", null, 404, ""},
                {"GET", "/api/projects/p-0123456789abcdef", null, 404, "no project"},
                {"PATCH", "/api/jobs/j-0123456789abcdef", "{\"priority\": \"x\"}", 400, "whole number"},
                {"GET", "/api/jobs?state=done", null, 400, "state"},
                {"POST", "/api/jobs", "{\"prompt\": \"x\"}", 400, "Idempotency-Key"},
                {"DELETE", "/api/models", null, 405, ""},
                {"GET", "/api/nothing", null, 404, "openapi"},
        };
        for (Object[] b : bad) {
            String[] headers = b[4].equals("Idempotency-Key") ? new String[] {"Idempotency-Key", "bad key/../"} : new String[0];
            TestServer.Reply r = s.call((String) b[0], (String) b[1], (String) b[2], headers);
            String what = b[0] + " " + b[1].toString().substring(0, Math.min(60, b[1].toString().length()));
            assertEquals(b[3], r.status(), what + ": " + r.body());
            String error = r.json().path("error").asText();
            assertTrue(error.contains((String) b[4]), what + ": " + error);
            assertTrue(error.endsWith(".") && !error.contains("Exception"), what + ": " + error);
        }
        assertEquals(jobsBefore, s.call("GET", "/api/jobs?limit=10000", null).json().size(), "no job added");
        assertEquals(projectsBefore, s.call("GET", "/api/projects", null).json().size(), "no project added");
        assertEquals(filesBefore, files(), "no file written");
    }

    private List<String> files() throws Exception {
        try (Stream<Path> w = Files.walk(data)) {
            return w.filter(p -> !p.getFileName().toString().startsWith("kino.db")).map(Path::toString).sorted().toList();
        }
    }

    @Test
    void aProjectRendersEveryTakeAndCutsThePicks() {
        String list = """
                project: two shots
                seed: 5
                defaults: {steps: 3, takes: 2}
                shots:
                  - {name: a, prompt: a red circle moving right}
                  - {name: b, prompt: a blue square moving left, fps: 12}
                """;
        TestServer.Reply r = s.call("POST", "/api/projects", list, "Content-Type", "application/yaml");
        assertEquals(201, r.status(), r.body());
        String id = r.json().path("id").asText();
        assertEquals(4, r.json().path("takes").asInt());
        JsonNode p = s.await("/api/projects/" + id, x -> x.path("finished").asInt() == 4, 90);
        List<String> picks = new ArrayList<>();
        for (JsonNode shot : p.path("shots")) {
            JsonNode take = shot.path("takes").get(1);
            assertEquals("succeeded", take.path("state").asText());
            TestServer.Reply picked = s.call("PUT", "/api/projects/" + id + "/picks/" + shot.path("name").asText(),
                    "{\"job\": \"" + take.path("id").asText() + "\"}");
            assertEquals(200, picked.status(), picked.body());
            picks.add(take.path("id").asText());
        }
        assertEquals(409, s.call("PUT", "/api/projects/" + id + "/picks/a", "{\"job\": \"" + picks.get(1) + "\"}").status(),
                "a take of shot b is not a take of shot a");
        TestServer.Reply mismatch = s.call("POST", "/api/projects/" + id + "/cut", null);
        assertEquals(409, mismatch.status());
        assertEquals("The picked takes do not match: shot a is 256x256 at 8 fps but shot b is 256x256 at 12 fps; "
                + "a cut needs one size and frame rate, so pick takes rendered alike.", mismatch.json().path("error").asText());

        String same = list.replace(", fps: 12", "");
        String id2 = s.call("POST", "/api/projects", same, "Content-Type", "application/yaml").json().path("id").asText();
        assertEquals(409, s.call("POST", "/api/projects/" + id2 + "/cut", null).status(), "no picks yet");
        JsonNode p2 = s.await("/api/projects/" + id2, x -> x.path("finished").asInt() == 4, 90);
        int expected = 0;
        for (JsonNode shot : p2.path("shots")) {
            JsonNode take = shot.path("takes").get(0);
            s.call("PUT", "/api/projects/" + id2 + "/picks/" + shot.path("name").asText(), "{\"job\": \"" + take.path("id").asText() + "\"}");
            expected += take.path("frames").asInt();
        }
        TestServer.Reply cut = s.call("POST", "/api/projects/" + id2 + "/cut", null);
        assertEquals(200, cut.status(), cut.body());
        assertEquals(expected, cut.json().path("frames").asInt());
        byte[] mp4 = s.call("GET", "/api/projects/" + id2 + "/cut/video", null).raw().body();
        Path file = data.resolveSibling("cut-" + id2 + ".mp4");
        try {
            Files.write(file, mp4);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(32, Mp4Reader.read(file).frames().count(), "16 + 16 frames");
        assertEquals(32, s.call("GET", "/api/projects/" + id2, null).json().path("cut").path("frames").asInt());
    }

    @Test
    void eventsStreamJobChangesAndStepProgressWithPreviews() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create(s.base + "/api/events"))
                .header("Authorization", "Bearer " + s.server.token()).header("Accept", "text/event-stream").build();
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        var stream = client.sendAsync(req, HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> resp = stream.get(10, TimeUnit.SECONDS);
        assertEquals(200, resp.statusCode());
        Thread reader = new Thread(() -> resp.body().forEach(lines::add));
        reader.setDaemon(true);
        reader.start();
        Thread.sleep(200);
        String id = s.call("POST", "/api/jobs", "{\"prompt\": \"a yellow square moving up\", \"steps\": 8, \"seed\": 3}")
                .json().path("id").asText();
        s.await("/api/jobs/" + id, j -> j.path("state").asText().equals("succeeded"), 60);
        Thread.sleep(300);
        List<JsonNode> progress = new ArrayList<>();
        List<String> states = new ArrayList<>();
        String event = null;
        for (String line : List.copyOf(lines)) {
            if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                JsonNode d = TestServer.JSON.readTree(line.substring(5));
                if (id.equals(d.path("id").asText())) {
                    if ("progress".equals(event)) {
                        progress.add(d);
                    } else if ("job".equals(event)) {
                        states.add(d.path("state").asText());
                    }
                }
            }
        }
        assertEquals("queued", states.get(0), states.toString());
        assertTrue(states.contains("running"), states.toString());
        assertEquals("succeeded", states.get(states.size() - 1), states.toString());
        assertFalse(progress.isEmpty());
        JsonNode last = progress.get(progress.size() - 1);
        assertEquals(8, last.path("step").asInt());
        assertEquals(8, last.path("steps").asInt());
        assertTrue(last.path("it_per_s").asDouble() > 0);
        assertNotNull(last.get("eta_s"));
        assertTrue(progress.stream().anyMatch(p -> p.path("preview").asText().startsWith("data:image/png;base64,")));
        resp.body().close();
    }
}
