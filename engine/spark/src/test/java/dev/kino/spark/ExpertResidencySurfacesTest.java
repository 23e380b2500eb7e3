package dev.kino.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.cli.KinoCli;
import dev.kino.denoise.StepListener;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.ExpertResidency;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.server.KinoServer;
import dev.kino.server.ServerConfig;
import dev.kino.server.work.Workers;
import dev.kino.shots.TakeVideo;
import dev.kino.sweep.Sweep;
import dev.kino.sweep.SweepOptions;
import dev.kino.sweep.SweepResults;
import dev.kino.sweep.SweepSpec;
import dev.kino.video.Mp4Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --experts one} on every surface that renders (Wan 2.2's two experts, the committed tiny two-expert
 * package): {@code kino render}, the server and Spark's RenderJob and SweepJob write the same files as with both
 * experts resident ({@code kino bench sweep}: bench's ExpertsSweepTest), and really loaded one at a time, as the
 * library reports it: each take's record
 * ({@code expert_sessions}), the server's {@code GET /api/models}, and the executor's pipelines.
 */
class ExpertResidencySurfacesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TINY = FileSettingsSurfacesTest.coreTestResources().resolve("wan/tiny-wan22");
    private static final String LIST = """
            {"project": "experts", "defaults": {"model": "%MODEL%", "steps": 4},
             "shots": [{"name": "fox", "prompt": "a red fox runs through fresh snow", "seeds": [1, 2]}]}
            """;
    private static final List<String> TAKES = List.of("01-fox/take-01", "01-fox/take-02");
    /** The first generation of a pipeline loaded one at a time, and every later one (the low-noise expert resident). */
    private static final List<String> FIRST = List.of("open 0", "close 0", "open 1");
    private static final List<String> LATER = List.of("close 1", "open 0", "close 0", "open 1");

    @TempDir
    Path tmp;

    private Path shotList(String model) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("project"));
        return Files.writeString(folder.resolve("shots-" + model.hashCode() + ".json"), LIST.replace("%MODEL%", model));
    }

    private static List<String> sessions(Path record) throws Exception {
        List<String> out = new ArrayList<>();
        JSON.readTree(record.toFile()).path("expert_sessions").forEach(e -> out.add(e.asText()));
        return out;
    }

    @Test
    void everySurfaceDeclaresTheSameOption() {
        CommandLine kino = KinoCli.command();
        List<CommandLine.Model.OptionSpec> options = new ArrayList<>();
        for (String command : List.of("generate", "render", "serve")) {
            options.add(kino.getSubcommands().get(command).getCommandSpec().findOption("--experts"));
        }
        options.add(new CommandLine(new RenderJob()).getCommandSpec().findOption("--experts"));
        options.add(new CommandLine(new SweepJob()).getCommandSpec().findOption("--experts"));
        // kino bench sweep mixes in the sweeps' shared options (bench's ExpertsSweepTest checks the command itself)
        options.add(new CommandLine(new SweepOptions()).getCommandSpec().findOption("--experts"));
        for (CommandLine.Model.OptionSpec o : options) {
            assertTrue(o != null, "every surface takes --experts");
            assertEquals(options.get(0).description()[0], o.description()[0]);
            assertEquals("auto", o.defaultValue());
        }
    }

    @Test
    void kinoRenderAndTheServerLoadOneExpertAtATimeAndWriteTheSameTakes() throws Exception {
        Path list = shotList(TINY.toString());
        Path both = tmp.resolve("both");
        FileSettingsSurfacesTest.kino(List.of("render", list.toString(), "--out", both.toString(), "-q", "--experts", "both"));
        Path one = tmp.resolve("one");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, KinoCli.run(new String[] {"render", list.toString(), "--out", one.toString(), "-q",
                "--experts", "one"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
                StandardCharsets.UTF_8)), err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("loaded one at a time"), err.toString(StandardCharsets.UTF_8));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(both.resolve(TAKES.get(0) + ".mp4")),
                Files.readAllBytes(both.resolve(TAKES.get(1) + ".mp4"))), "the takes differ");
        for (String take : TAKES) {
            assertArrayEquals(Files.readAllBytes(both.resolve(take + ".mp4")), Files.readAllBytes(one.resolve(take + ".mp4")),
                    "kino render " + take);
            assertEquals(List.of(), sessions(both.resolve(take + ".json")), "both resident: no expert opened per take");
        }
        assertEquals(FIRST, sessions(one.resolve(TAKES.get(0) + ".json")), "the high-noise expert closed before the low-noise one opened");
        assertEquals(LATER, sessions(one.resolve(TAKES.get(1) + ".json")));

        // The server, started as kino serve --experts one starts it: its takes equal kino render's.
        Path models = Files.createDirectories(tmp.resolve("models"));
        Files.createSymbolicLink(models.resolve("m"), TINY.toAbsolutePath());
        try (KinoServer server = KinoServer.start(new ServerConfig("127.0.0.1", 0, List.of(Device.CPU),
                tmp.resolve("data"), models, new Workers.Settings(1, 2, 2), 64L << 20, null, ExpertResidency.ONE))) {
            FileSettingsSurfacesTest.Http http = new FileSettingsSurfacesTest.Http(server);
            assertEquals(0, loaded(http).size(), "nothing loaded before a job");
            String id = http.json("POST", "/api/projects", LIST.replace("%MODEL%", "m"), 201).path("id").asText();
            JsonNode done = null;
            for (int i = 0; i < 1200 && done == null; i++) {
                JsonNode v = http.json("GET", "/api/projects/" + id, null, 200);
                List<String> states = v.findValues("state").stream().map(JsonNode::asText).toList();
                assertFalse(states.contains("failed"), v.toString());
                done = states.size() >= 2 && states.stream().allMatch("succeeded"::equals) ? v : null;
                Thread.sleep(100);
            }
            assertTrue(done != null, "the project finished");
            for (int i = 0; i < TAKES.size(); i++) {
                String job = done.path("shots").get(0).path("takes").get(i).path("id").asText();
                assertArrayEquals(Files.readAllBytes(both.resolve(TAKES.get(i) + ".mp4")),
                        http.bytes("/api/jobs/" + job + "/video"), "server " + TAKES.get(i));
            }
            JsonNode copies = loaded(http);
            assertEquals(1, copies.size(), copies.toString());
            assertEquals("one", copies.get(0).path("expert_residency").asText(), copies.toString());
            List<String> events = new ArrayList<>();
            copies.get(0).path("expert_sessions").forEach(e -> events.add(e.asText()));
            List<String> expected = new ArrayList<>(FIRST);
            expected.addAll(LATER);
            assertEquals(expected, events, "two jobs, each expert opened after the other closed");
        }
    }

    /** The workers that hold model {@code m} loaded, from {@code GET /api/models}. */
    private static JsonNode loaded(FileSettingsSurfacesTest.Http http) throws Exception {
        for (JsonNode m : http.json("GET", "/api/models", null, 200)) {
            if (m.path("name").asText().equals("m")) {
                return m.path("loaded");
            }
        }
        throw new AssertionError("model m is not listed");
    }

    @Test
    void sparkRenderJobAndSweepJobLoadOneExpertAtATimeAndWriteWhatBothResidentWrite() throws Exception {
        // Both experts resident, one ONNX Runtime thread (a local[2] task's spark.task.cpus): the reference takes.
        Path model = Files.createSymbolicLink(tmp.resolve("wan22"), TINY.toAbsolutePath());   // this test's own pipelines
        List<byte[]> expected = new ArrayList<>();
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(ModelPackage.open(model), OnnxRuntime.create(Device.CPU, 1),
                ExpertResidency.BOTH)) {
            for (long seed : new long[] {1, 2}) {
                GenerationResult r = kino.generate(GenerationRequest.builder("a red fox runs through fresh snow")
                        .seed(seed).steps(4).build(), StepListener.NONE);
                Path mp4 = tmp.resolve("both-" + seed + ".mp4");
                Mp4Writer.write(r.frames(), r.settings().fps(), mp4, TakeVideo.viewingScale(r.frames().width(), r.frames().height()));
                expected.add(Files.readAllBytes(mp4));
            }
        }
        Path out = tmp.resolve("spark");
        RenderJob job = new RenderJob();
        new CommandLine(job).parseArgs("--shots", shotList(model.toString()).toString(), "--out", out.toString(),
                "--experts", "one");
        RenderJob.Summary summary = job.run(LocalSpark.session(), null);
        assertEquals(2, summary.count(RenderOutcome.RENDERED), summary.outcomes().toString());
        for (int i = 0; i < TAKES.size(); i++) {
            assertArrayEquals(expected.get(i), Files.readAllBytes(out.resolve(TAKES.get(i) + ".mp4")), "Spark " + TAKES.get(i));
            List<String> s = sessions(out.resolve(TAKES.get(i) + ".json"));   // a fresh or a reused executor pipeline
            assertTrue(s.equals(FIRST) || s.equals(LATER), TAKES.get(i) + ": " + s);
        }

        // SweepJob --experts one against the local sweep (both resident, one thread): the same stored runs.
        Path swept = Files.createSymbolicLink(tmp.resolve("wan22-sweep"), TINY.toAbsolutePath());
        SweepSpec spec = SweepSpec.builder(swept).prompts(List.of("a red fox")).schedulers(List.of("flow-unipc"))
                .steps(List.of(2)).reference(4, null).device("cpu").threads(1).build();
        Path local = tmp.resolve("sweep-local");
        Sweep.run(spec, local, null);
        Path sparkSweep = tmp.resolve("sweep-spark");
        SweepJob sweep = new SweepJob();
        new CommandLine(sweep).parseArgs("--model", swept.toString(), "--prompt", "a red fox", "--schedulers",
                "flow-unipc", "--steps", "2", "--reference-steps", "4", "--out", sparkSweep.toString(), "--experts", "one");
        SweepResults results = sweep.run(LocalSpark.session());
        assertEquals(2, results.ran());
        List<Path> files = runFiles(local);
        assertEquals(files, runFiles(sparkSweep));
        assertTrue(files.size() >= 4, files.toString());
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(local.resolve(f)), Files.readAllBytes(sparkSweep.resolve(f)), "sweep " + f);
        }
        List<List<String>> pipelines = ExecutorPipelines.expertEvents(swept.toString());
        assertFalse(pipelines.isEmpty(), "the sweep loaded its model");
        for (List<String> events : pipelines) {   // planning, reference and cell, each expert after the other closed
            assertTrue(events.size() >= FIRST.size() && events.subList(0, 3).equals(FIRST), events.toString());
        }
    }

    /** The runs' stored outputs (latents, frames, strips, videos), relative to the sweep folder, sorted. */
    private static List<Path> runFiles(Path folder) throws Exception {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(f -> f.getFileName().toString().matches("latents\\.npy|frames\\.png|strip\\.png|video\\.mp4"))
                    .map(folder::relativize).sorted().toList();
        }
    }
}
