package dev.kino.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.denoise.StepListener;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.video.Mp4Reader;
import dev.kino.video.Mp4Writer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code kino bench serve-load}: a bounded load run against a real {@code kino serve} process on the demo model.
 * Clients submit jobs concurrently (each with an idempotency key, retried while the server is down), SSE
 * listeners follow the queue, and midway the server is killed with SIGKILL and restarted on the same data folder.
 * Then every job is checked: none lost, none duplicated, every MP4 readable with all its frames. A plain loop
 * over the same renders in one process gives the baseline throughput.
 */
@Command(name = "serve-load", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Load-test kino serve: concurrent submits, SSE listeners, a kill -9 and restart midway; "
                + "lost/duplicated jobs, submit latency, renders per minute against a single-process loop.")
public final class ServeLoadCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] PROMPTS = {"a red circle moving right", "a blue square moving up",
        "a green triangle moving left", "a yellow circle moving down quickly", "a white square moving right slowly",
        "a purple triangle moving up"};

    @Option(names = "--jobs", defaultValue = "500", description = "Jobs to submit (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--clients", defaultValue = "16", description = "Concurrent submitting clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--listeners", defaultValue = "50", description = "SSE listeners (default: ${DEFAULT-VALUE}).")
    int listeners;

    @Option(names = "--steps", defaultValue = "4", description = "Denoising steps per job (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--devices", defaultValue = "cpu", description = "The server's workers (default: ${DEFAULT-VALUE}).")
    String devices;

    @Option(names = "--kill-at", defaultValue = "0.5", description = "Kill -9 the server when this share of the jobs is submitted (default: ${DEFAULT-VALUE}; 0: never).")
    double killAt;

    @Option(names = "--baseline", defaultValue = "60", description = "Renders of the single-process loop (default: ${DEFAULT-VALUE}).")
    int baseline;

    @Option(names = "--model", defaultValue = "models/demo/package", description = "The demo package, for the baseline loop (default: ${DEFAULT-VALUE}).")
    Path model;

    @picocli.CommandLine.Mixin
    ServeBenchFolders folders;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        Path kinoJar = folders.kinoJar();
        Path data = folders.createOut().resolve("data");
        Mp4Writer.h264Encoder(); // loads FFmpeg and quiets its log before the MP4 checks read files
        int port = ServerProcess.freePort();
        ServerProcess server = ServerProcess.start(kinoJar, data, port, devices);
        log.printf("server on port %d (%s), %d jobs of %d steps from %d clients, %d SSE listeners%n",
                port, devices, jobs, steps, clients, listeners);
        log.flush();
        LoadClients load = new LoadClients("http://127.0.0.1:" + port, server.token(), jobs, clients, steps, PROMPTS);
        Listeners sse = new Listeners("http://127.0.0.1:" + port, server.token(), listeners);
        long start = System.nanoTime();
        load.start();
        int killAfter = killAt <= 0 ? -1 : (int) Math.round(jobs * killAt);
        boolean killed = false;
        long downMillis = 0;
        while (!load.done()) {
            if (!killed && killAfter >= 0 && load.submitted() >= killAfter) {
                long t = System.nanoTime();
                server.kill();
                log.printf("SIGKILL after %d submits; restarting%n", load.submitted());
                log.flush();
                server = ServerProcess.start(kinoJar, data, port, devices);
                downMillis = (System.nanoTime() - t) / 1_000_000;
                killed = true;
            }
            Thread.sleep(20);
        }
        JsonNode health;
        do {
            Thread.sleep(250);
            health = load.get("/api/health");
        } while (health.path("queued").asInt() + health.path("running").asInt() > 0);
        double seconds = (System.nanoTime() - start) / 1e9;
        JsonNode all = load.get("/api/jobs?limit=10000");
        server.stop();
        sse.close();

        Map<Long, Integer> bySeed = new LinkedHashMap<>();
        int succeeded = 0;
        int resumed = 0;
        int valid = 0;
        for (JsonNode j : all) {
            bySeed.merge(j.path("request").path("seed").asLong(), 1, Integer::sum);
            if (j.path("state").asText().equals("succeeded")) {
                succeeded++;
                Path mp4 = data.resolve("videos").resolve(j.path("id").asText() + ".mp4");
                if (Mp4Reader.read(mp4).frames().count() == j.path("frames").asInt()) {
                    valid++;
                }
            }
            if (!j.path("resumed_from").isNull() || j.path("attempts").asInt() > 1) {
                resumed++;
            }
        }
        Set<Long> expected = new HashSet<>();
        for (long i = 0; i < jobs; i++) {
            expected.add(i);
        }
        int lost = (int) expected.stream().filter(s -> !bySeed.containsKey(s)).count();
        int duplicated = bySeed.values().stream().mapToInt(n -> n - 1).sum();
        double serverRate = succeeded / (seconds / 60);

        double loopRate = baselineLoop(log);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("jobs", jobs);
        r.put("clients", clients);
        r.put("listeners", listeners);
        r.put("steps", steps);
        r.put("devices", devices);
        r.put("killed_midway", killed);
        r.put("restart_ms", downMillis);
        r.put("jobs_in_queue", all.size());
        r.put("succeeded", succeeded);
        r.put("lost", lost);
        r.put("duplicated", duplicated);
        r.put("mp4_valid", valid);
        r.put("interrupted_and_rerun_or_resumed", resumed);
        r.put("submit_retries_while_down", load.retries());
        r.put("submit_latency_ms_p50", load.latencyMillis(0.50));
        r.put("submit_latency_ms_p99", load.latencyMillis(0.99));
        r.put("sse_events_received", sse.events());
        r.put("wall_s", Math.round(seconds * 10) / 10.0);
        r.put("server_renders_per_min", Math.round(serverRate * 10) / 10.0);
        r.put("single_process_loop_renders_per_min", Math.round(loopRate * 10) / 10.0);
        r.put("cpus", Runtime.getRuntime().availableProcessors());
        r.put("load_average_at_end", Files.readString(Path.of("/proc/loadavg")).trim());
        JSON.writerWithDefaultPrettyPrinter().writeValue(folders.out.resolve("results.json").toFile(), r);
        r.forEach((k, v) -> log.printf(Locale.ROOT, "%-40s %s%n", k, v));
        return lost == 0 && duplicated == 0 && valid == jobs ? 0 : 1;
    }

    /** The same kind of renders in one process, one after another: load once, generate, write the MP4. */
    private double baselineLoop(PrintWriter log) throws Exception {
        if (baseline <= 0) {
            return 0;
        }
        Path dir = Files.createDirectories(folders.out.resolve("loop"));
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(model, Device.CPU)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < baseline; i++) {
                GenerationResult r = kino.generate(GenerationRequest.builder(PROMPTS[i % PROMPTS.length]).steps(steps)
                        .seed((long) i).build(), StepListener.NONE);
                Mp4Writer.write(r.frames(), r.settings().fps(), dir.resolve(i + ".mp4"), 4);
            }
            double minutes = (System.nanoTime() - t0) / 60e9;
            log.printf(Locale.ROOT, "single-process loop: %d renders in %.1f s%n", baseline, minutes * 60);
            return baseline / minutes;
        }
    }
}
