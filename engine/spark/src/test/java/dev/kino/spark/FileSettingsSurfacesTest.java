package dev.kino.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.cli.KinoCli;
import dev.kino.commandline.RequestOptions;
import dev.kino.denoise.StepListener;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.server.KinoServer;
import dev.kino.server.ServerConfig;
import dev.kino.server.work.Workers;
import dev.kino.shots.TakeVideo;
import dev.kino.video.Mp4Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 24's and 22's "done when" on every surface: a shot list that keeps one reference image across three shots
 * (the committed tiny Wan VACE package), and one that stacks two LoRAs and switches their strengths between shots
 * (tiny Wan with the committed tiny LoRAs), render through {@code kino render}, the server (the picture and one
 * LoRA uploaded by hash, the other LoRA from {@code --loras}) and Spark. kino render's and the server's takes are
 * byte for byte the MP4 {@code kino generate} writes with the same settings; Spark's are byte for byte the same
 * request rendered at the Spark task's ONNX Runtime thread count (one).
 */
class FileSettingsSurfacesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RES = coreTestResources();
    private static final Path VACE = RES.resolve("wan-vace/tiny-wan21-vace");
    private static final Path WAN = RES.resolve("wan/tiny-wan21");
    private static final Path REF = RES.resolve("wan-vace/reference/images/ref_a.png");
    private static final Path PEFT = RES.resolve("wan/lora/peft.safetensors");
    private static final Path COMFY = RES.resolve("wan/lora/comfy.safetensors");

    @TempDir
    Path tmp;

    /** One shot: its name, prompt, seed, and its {@code kino generate} options besides those. */
    private record Shot(String name, String prompt, long seed, List<String> options) {
    }

    @Test
    void oneReferenceImageKeptAcrossThreeShotsRendersThroughRenderServerAndSpark() throws Exception {
        String list = """
                {"project": "keep", "defaults": {"model": "%MODEL%", "steps": 2, "frames": 5, "width": 48,
                  "height": 32, "reference_image": ["ref.png"]},
                 "shots": [{"name": "window", "prompt": "a red fox runs through fresh snow", "seeds": [1]},
                           {"name": "rope", "prompt": "a red fox slides down a rope", "seeds": [2]},
                           {"name": "bike", "prompt": "a red fox rides off on a motorbike", "seeds": [3]}]}
                """;
        List<String> same = List.of("--steps", "2", "--frames", "5", "--width", "48", "--height", "32",
                "--reference-image", REF.toString());
        everySurface(list, VACE, Map.of("ref.png", REF), List.of(
                new Shot("window", "a red fox runs through fresh snow", 1, same),
                new Shot("rope", "a red fox slides down a rope", 2, same),
                new Shot("bike", "a red fox rides off on a motorbike", 3, same)));
    }

    @Test
    void stackedLorasWithStrengthsPerShotRenderThroughRenderServerAndSpark() throws Exception {
        String list = """
                {"project": "styled", "defaults": {"model": "%MODEL%", "steps": 2, "frames": 5,
                  "lora": ["peft.safetensors", "comfy.safetensors"], "lora_strength": "0.8,-0.3"},
                 "shots": [{"name": "a", "prompt": "a red fox", "seeds": [1]},
                           {"name": "b", "prompt": "a red fox", "seeds": [2], "lora_strength": "0.5,0.2"},
                           {"name": "c", "prompt": "a red fox", "seeds": [3], "lora": ["peft.safetensors"],
                            "lora_strength": "1"}]}
                """;
        everySurface(list, WAN, Map.of("peft.safetensors", PEFT, "comfy.safetensors", COMFY), List.of(
                new Shot("a", "a red fox", 1, List.of("--steps", "2", "--frames", "5",
                        "--lora", PEFT + ":0.8", "--lora", COMFY + ":-0.3")),
                new Shot("b", "a red fox", 2, List.of("--steps", "2", "--frames", "5",
                        "--lora", PEFT + ":0.5", "--lora", COMFY + ":0.2")),
                new Shot("c", "a red fox", 3, List.of("--steps", "2", "--frames", "5", "--lora", PEFT.toString()))));
    }

    /**
     * Renders {@code list} (files named as in {@code files}, model {@code %MODEL%}) through kino render, a server and
     * Spark, and checks every take against {@code kino generate} of its shot.
     */
    private void everySurface(String list, Path model, Map<String, Path> files, List<Shot> shots) throws Exception {
        Map<String, byte[]> expected = new LinkedHashMap<>();
        Map<String, byte[]> oneThread = new LinkedHashMap<>();
        try (TextToVideoPipeline single = TextToVideoPipeline.load(ModelPackage.open(model),
                OnnxRuntime.create(Device.CPU, 1))) {
            for (int i = 0; i < shots.size(); i++) {
                Shot s = shots.get(i);
                Path mp4 = tmp.resolve("generate-" + s.name() + ".mp4");
                List<String> args = new ArrayList<>(List.of("generate", s.prompt(), "--model", model.toString(),
                        "--seed", Long.toString(s.seed()), "-q", "-o", mp4.toString()));
                args.addAll(s.options());
                kino(args);
                String key = String.format("%02d-%s/take-01.mp4", i + 1, s.name());
                expected.put(key, Files.readAllBytes(mp4));
                // The request kino generate made of those options, rendered with one ONNX Runtime thread, as a
                // Spark task with spark.task.cpus=1 renders it (the tiny Wan transformer's sums differ in the last
                // bit between thread counts, so the MP4 of an all-core kino generate can differ by a few bytes).
                CommandLine.ParseResult parsed = KinoCli.command().parseArgs(args.toArray(String[]::new));
                GenerationResult r = single.generate(RequestOptions.read(parsed.subcommand().commandSpec(),
                        s.prompt()), StepListener.NONE);
                Path one = tmp.resolve("one-thread-" + s.name() + ".mp4");
                Mp4Writer.write(r.frames(), r.settings().fps(), one,
                        TakeVideo.viewingScale(r.frames().width(), r.frames().height()));
                oneThread.put(key, Files.readAllBytes(one));
            }
        }
        assertFalse(java.util.Arrays.equals(expected.values().iterator().next(),
                expected.values().stream().skip(1).findFirst().orElseThrow()), "the shots differ");

        // kino render and Spark: the files beside the shot list, named relative to it.
        Path folder = Files.createDirectories(tmp.resolve("project"));
        for (Map.Entry<String, Path> f : files.entrySet()) {
            Files.copy(f.getValue(), folder.resolve(f.getKey()));
        }
        Path shotList = Files.writeString(folder.resolve("shots.json"), list.replace("%MODEL%", model.toString()));
        Path rendered = tmp.resolve("render");
        kino(List.of("render", shotList.toString(), "--out", rendered.toString(), "-q"));
        Path spark = tmp.resolve("spark");
        RenderJob job = new RenderJob();
        new CommandLine(job).parseArgs("--shots", shotList.toString(), "--out", spark.toString());
        RenderJob.Summary summary = job.run(LocalSpark.session(), null);
        assertTrue(summary.outcomes().stream().allMatch(o -> o.error() == null), summary.outcomes().toString());
        for (Map.Entry<String, byte[]> e : expected.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(rendered.resolve(e.getKey())), "kino render " + e.getKey());
            assertArrayEquals(oneThread.get(e.getKey()), Files.readAllBytes(spark.resolve(e.getKey())), "Spark " + e.getKey());
        }

        // The server: the model from its catalog, pictures and LoRAs uploaded by hash, except one LoRA that its
        // --loras folder offers without an upload.
        Path models = Files.createDirectories(tmp.resolve("models"));
        Files.createSymbolicLink(models.resolve("m"), model.toAbsolutePath());
        Path loras = Files.createDirectories(tmp.resolve("loras"));
        Files.copy(COMFY, loras.resolve("comfy-style.safetensors"));
        try (KinoServer server = KinoServer.start(new ServerConfig("127.0.0.1", 0, List.of(Device.CPU),
                tmp.resolve("data"), models, new Workers.Settings(1, 2, 2), 64L << 20, loras))) {
            Http http = new Http(server);
            String served = list.replace("%MODEL%", "m");
            JsonNode library = http.json("GET", "/api/loras", null, 200).path("loras");
            assertEquals("comfy-style.safetensors", library.get(0).path("name").asText(), library.toString());
            for (String name : files.keySet()) {
                String ref = name.equals("comfy.safetensors") ? library.get(0).path("lora").asText()
                        : http.upload(name.endsWith(".png") ? "/api/pictures" : "/api/loras", files.get(name))
                        .path(name.endsWith(".png") ? "picture" : "lora").asText();
                assertTrue(ref.startsWith("sha256:"), ref);
                served = served.replace("\"" + name + "\"", "\"" + ref + "\"");
            }
            JsonNode project = http.json("POST", "/api/projects", served, 201);
            String id = project.path("id").asText();
            JsonNode done = null;
            for (int i = 0; i < 1200 && done == null; i++) {
                JsonNode v = http.json("GET", "/api/projects/" + id, null, 200);
                List<String> states = v.findValues("state").stream().map(JsonNode::asText).toList();
                assertFalse(states.contains("failed"), v.toString());
                done = states.size() >= shots.size() && states.stream().allMatch("succeeded"::equals) ? v : null;
                Thread.sleep(100);
            }
            assertTrue(done != null, "the project finished");
            for (int i = 0; i < shots.size(); i++) {
                String take = done.path("shots").get(i).path("takes").get(0).path("id").asText();
                String key = String.format("%02d-%s/take-01.mp4", i + 1, shots.get(i).name());
                assertArrayEquals(expected.get(key), http.bytes("/api/jobs/" + take + "/video"), "server " + key);
            }
        }
    }

    static void kino(List<String> args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = KinoCli.run(args.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8));
    }

    /** The server's API with its token. */
    record Http(KinoServer server, HttpClient client) {
        Http(KinoServer server) {
            this(server, HttpClient.newHttpClient());
        }

        HttpRequest.Builder at(String path) {
            return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                    .header("Authorization", "Bearer " + server.token());
        }

        JsonNode json(String method, String path, String body, int status) throws Exception {
            HttpResponse<String> r = client.send(at(path).method(method, body == null
                    ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(status, r.statusCode(), method + " " + path + ": " + r.body());
            return JSON.readTree(r.body());
        }

        JsonNode upload(String path, Path file) throws Exception {
            HttpResponse<String> r = client.send(at(path).POST(HttpRequest.BodyPublishers.ofFile(file)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), path + ": " + r.body());
            return JSON.readTree(r.body());
        }

        byte[] bytes(String path) throws Exception {
            HttpResponse<byte[]> r = client.send(at(path).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode(), path);
            return r.body();
        }
    }

    /** engine/core/src/test/resources, found from the module's folder (the committed tiny packages live there). */
    static Path coreTestResources() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("engine/core/src/test/resources");
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IllegalStateException("engine/core/src/test/resources not found");
    }
}
