package dev.kino.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kino serve} in a real separate JVM, killed with SIGKILL mid-job and restarted on the same data folder:
 * the job resumes from its last checkpoint (not step 0) and its MP4 equals {@code kino generate}'s bytes; the
 * pending project's takes all finish and equal {@code kino render}'s.
 */
class ServeKillTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern URL = Pattern.compile("Kino server on (http://\\S+/)");
    @TempDir
    Path tmp;
    private final HttpClient http = HttpClient.newHttpClient();
    private String token;

    @Test
    void aKilledServerResumesItsJobFromACheckpointAndLosesNothing() throws Exception {
        Path data = tmp.resolve("data");
        Server first = start(data);
        token = Files.readString(data.resolve("token")).trim();
        String job = send(first, "POST", "/api/jobs",
                "{\"prompt\": \"a white circle moving up quickly\", \"steps\": 60, \"seed\": 77, \"priority\": 5}")
                .path("id").asText();
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "after", "seed": 3, "defaults": {"steps": 6},
                 "shots": [{"name": "one", "prompt": "a green triangle moving left"},
                           {"name": "two", "prompt": "a red square moving down", "takes": 2}]}
                """);
        String project = send(first, "POST", "/api/projects", Files.readString(list)).path("id").asText();
        JsonNode mid = await(first, "/api/jobs/" + job, j -> j.path("step").asInt() >= 10, 60);
        first.process.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
        assertEquals("running", mid.path("state").asText());
        assertTrue(Files.exists(data.resolve("checkpoints").resolve(job + ".ckpt")), "a checkpoint is on disk");

        Server second = start(data);
        assertTrue(second.banner.contains("Resuming 1 job"), second.banner);
        JsonNode done = await(second, "/api/jobs/" + job, j -> j.path("state").asText().equals("succeeded"), 120);
        assertTrue(done.path("resumed_from").asInt() >= 10, "resumed from a checkpoint, not step 0: " + done);
        assertEquals(2, done.path("attempts").asInt());
        JsonNode p = await(second, "/api/projects/" + project, x -> x.path("finished").asInt() == 3, 120);

        Path single = tmp.resolve("single.mp4");
        Cli.Run gen = Cli.kino("generate", "a white circle moving up quickly", "--steps", "60", "--seed", "77",
                "-o", single.toString(), "-q");
        assertEquals(0, gen.exitCode(), gen.err());
        assertArrayEquals(Files.readAllBytes(single), Files.readAllBytes(data.resolve("videos").resolve(job + ".mp4")),
                "the resumed job's MP4 is byte-equal to an uninterrupted kino generate");

        Path out = tmp.resolve("render");
        Cli.Run render = Cli.kino("render", list.toString(), "--out", out.toString(), "-q");
        assertEquals(0, render.exitCode(), render.err());
        int compared = 0;
        for (JsonNode shot : p.path("shots")) {
            for (JsonNode take : shot.path("takes")) {
                Path local = out.resolve(String.format("%02d-%s/take-%02d.mp4", take.path("shot_index").asInt() + 1,
                        shot.path("name").asText(), take.path("take").asInt()));
                assertArrayEquals(Files.readAllBytes(local),
                        Files.readAllBytes(data.resolve("videos").resolve(take.path("id").asText() + ".mp4")),
                        "kino render and the server make the same " + local.getFileName());
                compared++;
            }
        }
        assertEquals(3, compared);
        assertEquals(0, send(second, "GET", "/api/health", null).path("queued").asInt());
        second.process.destroy(); // SIGTERM: a clean stop
        assertEquals(0, second.process.waitFor() == 143 ? 0 : second.process.exitValue());
    }

    record Server(Process process, String url, String banner) {
    }

    private Server start(Path data) throws IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KinoCli.class.getName(), "serve", "--port", "0",
                "--devices", "cpu", "--checkpoint-every", "5", "--data", data.toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String line;
        String url = null;
        while ((line = out.readLine()) != null) {
            lines.add(line);
            Matcher m = URL.matcher(line);
            if (m.find()) {
                url = m.group(1);
            }
            if (line.startsWith("API token") || line.startsWith("Open ")) {
                if (line.startsWith("Open ") || line.contains(": in ")) {
                    break;
                }
            }
        }
        assertTrue(url != null, "server started: " + lines);
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
        drain.setDaemon(true);
        drain.start();
        return new Server(p, url, String.join("\n", lines));
    }

    private JsonNode send(Server s, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path.substring(1)))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() < 300, method + " " + path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private JsonNode await(Server s, String path, Predicate<JsonNode> done, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < end) {
            last = send(s, "GET", path, null);
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out on " + path + ": " + last);
    }
}
