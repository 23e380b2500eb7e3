package dev.kino.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clients submitting jobs 0..n-1 (job i has seed i and the idempotency key {@code load-i}). A submit that fails
 * because the server is down is retried with the same key until it is accepted, as a careful client would;
 * only accepted submits count towards the latency figures.
 */
final class LoadClients {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final String token;
    private final int jobs;
    private final int clients;
    private final int steps;
    private final String[] prompts;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();
    private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = new ArrayList<>();

    LoadClients(String base, String token, int jobs, int clients, int steps, String[] prompts) {
        this.base = base;
        this.token = token;
        this.jobs = jobs;
        this.clients = clients;
        this.steps = steps;
        this.prompts = prompts;
    }

    void start() {
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(this::work, "load-client-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void work() {
        int i;
        while ((i = next.getAndIncrement()) < jobs) {
            String body = "{\"prompt\": \"" + prompts[i % prompts.length] + "\", \"steps\": " + steps + ", \"seed\": " + i + "}";
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/jobs")).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token).header("Idempotency-Key", "load-" + i)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            while (true) {
                long t0 = System.nanoTime();
                try {
                    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 201 || r.statusCode() == 200) {
                        latencies.add(System.nanoTime() - t0);
                        accepted.incrementAndGet();
                        break;
                    }
                    throw new IllegalStateException("submit " + i + " refused: " + r.statusCode() + " " + r.body());
                } catch (IOException e) {
                    retries.incrementAndGet(); // the server is down (killed midway): retry with the same key
                    sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    int submitted() {
        return accepted.get();
    }

    boolean done() {
        return accepted.get() >= jobs;
    }

    int retries() {
        return retries.get();
    }

    double latencyMillis(double quantile) {
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return 0;
        }
        long v = sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(quantile * sorted.size()) - 1));
        return Math.round(v / 1e5) / 10.0;
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token).build();
        return JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
