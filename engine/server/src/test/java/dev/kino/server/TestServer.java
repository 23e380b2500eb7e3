package dev.kino.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.runtime.Device;
import dev.kino.server.work.Workers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** An in-process server on a free port with two CPU workers, and a small HTTP client for it. */
public final class TestServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    public final KinoServer server;
    public final Path data;
    public final String base;
    private final HttpClient http = HttpClient.newHttpClient();

    public TestServer(Path data) {
        this(data, 2);
    }

    /** A server with {@code workers} CPU workers. */
    public TestServer(Path data, int workers) {
        this.data = data;
        this.server = KinoServer.start(new ServerConfig("127.0.0.1", 0, java.util.Collections.nCopies(workers, Device.CPU),
                data, null, new Workers.Settings(2, 2, 2)));
        this.base = "http://127.0.0.1:" + server.port();
    }

    /** Status and body of one request; {@code token} null sends none. */
    public record Reply(int status, String body, HttpResponse<byte[]> raw) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    public Reply callAs(String token, String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(r.statusCode(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8), r);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(method + " " + path + " failed", e);
        }
    }

    public Reply call(String method, String path, String body, String... headers) {
        return callAs(server.token(), method, path, body, headers);
    }

    /** Polls {@code GET path} until {@code done} holds (or fails after {@code seconds}). */
    public JsonNode await(String path, Predicate<JsonNode> done, int seconds) {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < end) {
            last = call("GET", path, null).json();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out waiting on " + path + ": " + last);
    }

    @Override
    public void close() {
        server.close();
    }
}
