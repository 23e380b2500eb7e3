package dev.kino.server;

import dev.kino.runtime.Device;
import dev.kino.server.work.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real kill -9 in the middle of an upload burst: a server in its own JVM receives two whole pictures and three
 * that are still arriving (chunked, half sent) when it is SIGKILLed. The kill leaves their {@code .upload-*.partial}
 * files; the next server removes them at start and keeps both finished uploads.
 */
class KillDuringUploadTest {
    @TempDir
    Path tmp;

    @Test
    void theNextStartRemovesWhatTheKillLeftAndKeepsEveryFinishedUpload() throws Exception {
        Path data = tmp.resolve("data");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HoldingServer.class.getName(), data.toString())
                .redirectErrorStream(true).start();
        List<Socket> stalled = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("ready")) {
                // the child's start-up chatter
            }
            assertTrue(line != null, "the child server started");
            int port = Integer.parseInt(line.substring("ready ".length()).trim());
            String token = Files.readString(data.resolve("token")).trim();

            HttpClient http = HttpClient.newHttpClient();
            List<String> finished = new ArrayList<>();
            for (long seed = 1; seed <= 2; seed++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + "/api/pictures")).header("Authorization", "Bearer " + token)
                        .header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(ServerLimitsTest.noise(seed)))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(201, r.statusCode(), r.body());
                finished.add(r.body().replaceAll(".*\"sha256:([0-9a-f]{64})\".*", "$1"));
            }
            for (long seed = 3; seed <= 5; seed++) {
                stalled.add(halfSent(port, token, ServerLimitsTest.noise(seed)));
            }
            Path pictures = data.resolve("pictures");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partials(pictures).size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(3, partials(pictures).size(), "three uploads were arriving when the server was killed");

            child.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(3, partials(pictures).size(), "the kill left the half-written uploads");

            try (KinoServer next = KinoServer.start(new ServerConfig("127.0.0.1", 0, List.of(Device.CPU), data, null,
                    Workers.Settings.DEFAULT))) {
                assertEquals(List.of(), partials(pictures), "the next start removed them");
                for (String hash : finished) {
                    assertTrue(Files.size(pictures.resolve(hash)) > 100_000, "finished upload " + hash + " is kept");
                }
            }
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
            child.destroyForcibly();
        }
    }

    /** Starts a chunked upload of {@code png}, sends half of it, and leaves it open. */
    private static Socket halfSent(int port, String token, byte[] png) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        OutputStream o = s.getOutputStream();
        o.write(("POST /api/pictures HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        int half = png.length / 2;
        o.write((Integer.toHexString(half) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        o.write(png, 0, half);
        o.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        o.flush();
        return s;
    }

    private static List<String> partials(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".partial")).sorted().toList();
        }
    }
}
