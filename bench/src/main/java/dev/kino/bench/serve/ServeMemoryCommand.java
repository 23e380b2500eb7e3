package dev.kino.bench.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code kino bench serve-memory}: what checking submits costs a server. A real {@code kino serve} (its own JVM,
 * no workers) offers a large model package; the bench reads the server's resident memory (/proc VmRSS) after
 * start, after the first submit and after N/2 and N more submits of that model, the heap in use after a full GC
 * (jcmd) after the first and the last submit, and whether ONNX Runtime's library was ever mapped into the process
 * (a model loaded for checking would have to map it). For scale it then runs
 * {@code kino generate} on the same package and reads that process's peak resident memory.
 */
@Command(name = "serve-memory", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Resident memory of kino serve before and after N submits against a large package (no model"
                + " may be loaded to check them), beside the peak of kino generate on that package.")
public final class ServeMemoryCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--models", required = true, paramLabel = "DIR", description = "The server's --models folder.")
    Path models;

    @Option(names = "--model", required = true, paramLabel = "NAME", description = "The package under --models to submit to.")
    String model;

    @Option(names = "--submits", defaultValue = "1000", description = "Submits after the first (default: ${DEFAULT-VALUE}).")
    int submits;

    @Option(names = "--steps", defaultValue = "1", description = "Steps of the kino generate run for scale (default: ${DEFAULT-VALUE}; 0: skip it).")
    int steps;

    @picocli.CommandLine.Mixin
    ServeBenchFolders folders;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        Path pkg = models.resolve(model);
        Path kinoJar = folders.kinoJar();
        if (!Files.isRegularFile(pkg.resolve("kino.json"))) {
            throw new KinoException("There is no package at " + pkg + "; give --model the name of a package folder under --models.");
        }
        Path out = folders.createOut();
        long weights = size(pkg);
        int port = ServerProcess.freePort();
        ServerProcess server = ServerProcess.start(kinoJar, out.resolve("data"), port, "none", "--models",
                models.toString());
        Map<String, Object> r = new LinkedHashMap<>();
        try {
            String base = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newHttpClient();
            Thread.sleep(2000);
            long started = rss(server.pid());
            double first = submit(http, base, server.token(), 0);
            long afterFirst = rss(server.pid());
            long heapFirst = heapAfterGc(server.pid());
            double[] millis = new double[submits];
            long half = 0;
            for (int i = 0; i < submits; i++) {
                millis[i] = submit(http, base, server.token(), i + 1);
                if (i + 1 == submits / 2) {
                    half = rss(server.pid());
                }
            }
            long after = rss(server.pid());
            long heapAfter = heapAfterGc(server.pid());
            boolean ortMapped = Files.readString(Path.of("/proc/" + server.pid() + "/maps")).contains("onnxruntime");
            Arrays.sort(millis);
            r.put("package", pkg.toAbsolutePath().normalize().toString());
            r.put("package_bytes", weights);
            r.put("submits", submits + 1);
            r.put("rss_after_start_mib", mib(started));
            r.put("rss_after_first_submit_mib", mib(afterFirst));
            r.put("rss_after_half_the_submits_mib", mib(half));
            r.put("rss_after_all_submits_mib", mib(after));
            r.put("heap_used_after_gc_first_submit_mib", mib(heapFirst));
            r.put("heap_used_after_gc_all_submits_mib", mib(heapAfter));
            r.put("rss_growth_over_submits_mib", mib(after - afterFirst));
            r.put("onnxruntime_library_mapped", ortMapped);
            r.put("first_submit_ms", first);
            r.put("submit_ms_p50", millis[millis.length / 2]);
            r.put("submit_ms_p99", millis[(int) (millis.length * 0.99)]);
        } finally {
            server.stop();
        }
        if (steps > 0) {
            r.put("generate_peak_rss_mib", mib(generatePeak(pkg)));
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("results.json").toFile(), r);
        r.forEach((k, v) -> log.printf("%-30s %s%n", k, v));
        return 0;
    }

    /** One {@code POST /api/jobs} of the model with seed {@code i}; its time in ms. */
    private double submit(HttpClient http, String base, String token, int i) throws IOException, InterruptedException {
        String body = "{\"model\": \"" + model + "\", \"prompt\": \"a red circle moving right\", \"steps\": 8,"
                + " \"seed\": " + i + "}";
        long t = System.nanoTime();
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 201) {
            throw new KinoException("Submit " + i + " was answered " + res.statusCode() + ": " + res.body());
        }
        return (System.nanoTime() - t) / 1e6;
    }

    /** Peak resident memory of {@code kino generate} on the package, from GNU time's maximum resident set. */
    private long generatePeak(Path pkg) throws IOException, InterruptedException {
        Path err = folders.out.resolve("generate.log");
        List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "maxrss_kib=%M",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", folders.kinoJar.toString(),
                "generate", "a red circle moving right", "--model", pkg.toString(), "--steps", Integer.toString(steps),
                "--device", "cpu", "-q", "-o", folders.out.resolve("generate.mp4").toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(err.toFile()).start();
        if (p.waitFor() != 0) {
            throw new KinoException("kino generate on the package failed; see " + err + ".");
        }
        String said = Files.readString(err);
        String kib = said.replaceAll("(?s).*maxrss_kib=(\\d+).*", "$1");
        return Long.parseLong(kib) * 1024;
    }

    /** The Java heap a process uses after a full GC (jcmd GC.run, then GC.heap_info's "used"), in bytes. */
    private static long heapAfterGc(long pid) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor();
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
        String info = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
        if (!m.find()) {
            throw new IOException("jcmd GC.heap_info said no heap use: " + info);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** VmRSS of a process, in bytes. */
    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static double mib(long bytes) {
        return Math.round(bytes / 1048576.0 * 10) / 10.0;
    }
}
