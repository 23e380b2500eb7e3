package dev.kino.bench.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code kino bench serve-big-project}: submits the largest project the documented limits allow (1000 shots x 100
 * takes by default) to a real {@code kino serve} (no workers, so nothing renders) while another client keeps
 * asking for a job and for {@code /api/health}; reports the submit's time, how long those GETs waited (the
 * slowest and the median) and the size of the project's first page.
 */
@Command(name = "serve-big-project", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Submit a 1000 x 100 project to kino serve while other GETs run: submit time, GET waits, page size.")
public final class ServeBigProjectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--shots", defaultValue = "1000", description = "Shots in the project (default: ${DEFAULT-VALUE}).")
    int shots;

    @Option(names = "--takes", defaultValue = "100", description = "Takes of every shot (default: ${DEFAULT-VALUE}).")
    int takes;

    @picocli.CommandLine.Mixin
    ServeBenchFolders folders;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        Path kinoJar = folders.kinoJar();
        Path out = folders.createOut();
        int port = ServerProcess.freePort();
        ServerProcess server = ServerProcess.start(kinoJar, out.resolve("data"), port, "none");
        Map<String, Object> r = new LinkedHashMap<>();
        try {
            String base = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newHttpClient();
            String single = JSON.readTree(send(http, base, server.token(), "POST", "/api/jobs",
                    "{\"prompt\": \"x\", \"steps\": 1}").body()).path("id").asText();
            String body = project();
            long t0 = System.nanoTime();
            CompletableFuture<HttpResponse<String>> big = CompletableFuture.supplyAsync(() -> {
                try {
                    return send(http, base, server.token(), "POST", "/api/projects?priority=-5", body);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            List<Double> waits = new ArrayList<>();
            while (!big.isDone()) {
                long a = System.nanoTime();
                send(http, base, server.token(), "GET", "/api/jobs/" + single, null);
                send(http, base, server.token(), "GET", "/api/health", null);
                waits.add((System.nanoTime() - a) / 1e6);
                Thread.sleep(20);
            }
            double submitMs = (System.nanoTime() - t0) / 1e6;
            HttpResponse<String> made = big.get();
            if (made.statusCode() != 201) {
                throw new KinoException("The server refused the project (" + made.statusCode() + "): " + made.body());
            }
            List<Double> sorted = waits.stream().sorted().toList();
            r.put("shots", shots);
            r.put("takes_per_shot", takes);
            r.put("submit_ms", submitMs);
            r.put("get_pairs_during_submit", waits.size());
            r.put("get_pair_ms_median", sorted.isEmpty() ? null : sorted.get(sorted.size() / 2));
            r.put("get_pair_ms_slowest", sorted.isEmpty() ? null : sorted.get(sorted.size() - 1));
            r.put("first_page_bytes", made.body().length());
            String id = JSON.readTree(made.body()).path("id").asText();
            long g = System.nanoTime();
            HttpResponse<String> page = send(http, base, server.token(), "GET", "/api/projects/" + id, null);
            r.put("get_project_first_page_ms", (System.nanoTime() - g) / 1e6);
            r.put("get_project_first_page_bytes", page.body().length());
            r.put("load_average", Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } finally {
            server.stop();
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("results.json").toFile(), r);
        r.forEach((k, v) -> log.printf("%-30s %s%n", k, v));
        return 0;
    }

    private String project() {
        StringBuilder list = new StringBuilder("{\"project\": \"epic\", \"defaults\": {\"steps\": 1, \"takes\": " + takes
                + "}, \"shots\": [");
        for (int i = 0; i < shots; i++) {
            list.append(i == 0 ? "" : ",").append("{\"name\": \"s").append(i).append("\", \"prompt\": \"a red circle ")
                    .append(i).append("\"}");
        }
        return list.append("]}").toString();
    }

    private static HttpResponse<String> send(HttpClient http, String base, String token, String method, String path,
                                             String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(5))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
