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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A precision mode is a package: the server renders the committed tiny Wan package of every mode (int8, w8, w4,
 * fp16, bf16) as jobs on one server, and
 * each job's MP4 is the one the library writes for that package (and not the fp32 package's).
 */
class PrecisionPackagesServerTest {
    private static final Path WAN = Fixtures.testResources().resolve("wan");
    private static final List<String> MODES = List.of("int8", "w8", "w4", "fp16", "bf16");

    @TempDir
    Path tmp;

    @Test
    void quantizedPackagesRenderAsJobsExactlyAsTheLibraryRendersThem() throws Exception {
        Path models = Files.createDirectories(tmp.resolve("models"));
        Files.createSymbolicLink(models.resolve("fp32"), WAN.resolve("tiny-wan21").toAbsolutePath());
        for (String mode : MODES) {
            Files.createSymbolicLink(models.resolve(mode),
                    Fixtures.overlaid(WAN.resolve("tiny-wan21-" + mode), tmp.resolve("packages")).toAbsolutePath());
        }
        KinoServer server = KinoServer.start(new ServerConfig("127.0.0.1", 0, List.of(Device.CPU), tmp.resolve("data"),
                models, new Workers.Settings(1, 2, 2)));
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.port();
        try {
            byte[] fp32 = render(http, base, server.token(), "fp32");
            for (String mode : MODES) {
                byte[] served = render(http, base, server.token(), mode);
                GenerationResult r;
                try (TextToVideoPipeline kino = TextToVideoPipeline.load(models.resolve(mode), Device.CPU)) {
                    r = kino.generate(GenerationRequest.builder("a red fox in the snow").steps(2).seed(7L).build(),
                            StepListener.NONE);
                }
                Path reference = tmp.resolve("reference-" + mode + ".mp4");
                Mp4Writer.write(r.frames(), r.settings().fps(), reference,
                        TakeVideo.viewingScale(r.frames().width(), r.frames().height()));
                assertArrayEquals(Files.readAllBytes(reference), served, mode + ": the server writes what the library writes");
                assertFalse(Arrays.equals(fp32, served), mode + " rendered the fp32 package's video");
            }
        } finally {
            server.close();
        }
    }

    private static byte[] render(HttpClient http, String base, String token, String model) throws Exception {
        JsonNode job = TestServer.JSON.readTree(send(http, base + "/api/jobs", token, "POST",
                "{\"prompt\": \"a red fox in the snow\", \"steps\": 2, \"seed\": 7, \"model\": \"" + model + "\"}").body());
        String id = job.path("id").asText();
        for (int i = 0; i < 600; i++) {
            JsonNode j = TestServer.JSON.readTree(send(http, base + "/api/jobs/" + id, token, "GET", null).body());
            String state = j.path("state").asText();
            if (state.equals("succeeded")) {
                return http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + id + "/video"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
            }
            assertFalse(state.equals("failed") || state.equals("canceled"), model + ": " + j);
            Thread.sleep(100);
        }
        throw new AssertionError(model + " job did not finish in 60 s");
    }

    private static HttpResponse<String> send(HttpClient http, String url, String token, String method, String body)
            throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(method.equals("POST") ? 201 : 200, r.statusCode(), url + ": " + r.body());
        return r;
    }
}
