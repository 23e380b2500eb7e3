package dev.kino.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.KinoException;
import dev.kino.cli.KinoCli;
import dev.kino.commandline.RequestOptions;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.request.RequestSchema;
import dev.kino.request.Setting;
import dev.kino.request.SettingException;
import dev.kino.request.Surface;
import dev.kino.server.KinoServer;
import dev.kino.server.ServerConfig;
import dev.kino.server.work.Workers;
import dev.kino.shots.PictureFiles;
import dev.kino.shots.ShotList;
import dev.kino.shots.ShotListException;
import dev.kino.shots.ShotListReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request schema's promise: every surface that offers a setting (the {@code kino generate} options, the
 * {@code POST /api/jobs} fields, shot lists as JSON and as CSV tables, Spark rows) accepts the same values and
 * refuses the same ones with the same sentence. The values come from the schema itself: each bound, one past each
 * bound, a value of the wrong type, every choice and a non-choice, the longest text and one character more.
 */
class RequestSchemaSurfacesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOO_BIG_LONG = BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE).toString();

    @TempDir
    static Path tmp;
    private static KinoServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static dev.kino.pipeline.GenerationPlanner demo;

    @BeforeAll
    static void start() {
        demo = RenderJob.planner(ExecutorPipelines.DEMO);
        server = KinoServer.start(new ServerConfig("127.0.0.1", 0, List.of(), tmp.resolve("data"), null,
                new Workers.Settings(1, 1, 1))); // no workers: submits are checked and queued, never rendered
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A value to try, as JSON has it ({@code json}) and as text has it (command line, CSV; null: no text form). */
    private record Value(Object json, String text) {
        static Value of(Object v) {
            return new Value(v, v instanceof String s ? s : String.valueOf(v));
        }

        static Value jsonOnly(Object v) {
            return new Value(v, null);
        }
    }

    /** What the schema makes of the value: null when it takes it, else its sentence. */
    private static String expected(Setting<?> s, Object raw) {
        try {
            s.read(raw, (setting, reference) -> Path.of(reference));
            return null;
        } catch (SettingException e) {
            return e.problem();
        }
    }

    private static List<Value> values(Setting<?> s) {
        List<Value> v = new ArrayList<>();
        switch (s.kind()) {
            case INTEGER -> {
                long min = (long) s.min();
                v.add(Value.of(min));
                v.add(Value.of(min - 1));
                v.add(Value.of(s.max() >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) s.max()));
                v.add(s.max() >= Long.MAX_VALUE ? new Value(new BigInteger(TOO_BIG_LONG), TOO_BIG_LONG)
                        : Value.of((long) s.max() + 1));
                v.add(Value.of("ten"));
                v.add(Value.of(1.5));
            }
            case NUMBER -> {
                v.add(Value.of((long) s.min()));
                v.add(Value.of((long) s.min() - 1));
                v.add(Value.of(s.max()));
                v.add(Value.of((long) s.max() + 1));
                v.add(Value.of("ten"));
            }
            case TEXT -> {
                v.add(Value.of("x".repeat((int) s.max())));
                v.add(Value.of("x".repeat((int) s.max() + 1)));
                v.add(Value.of(s.required() ? " " : ""));
                v.add(Value.jsonOnly(5));
            }
            case CHOICE -> {
                s.choices().forEach(c -> v.add(Value.of(c)));
                v.add(Value.of(s.choices().get(0).toUpperCase(java.util.Locale.ROOT)));
                v.add(Value.of("no-such-" + s.name()));
                v.add(Value.jsonOnly(5));
            }
            case FILE, FILES -> {
                v.add(Value.of(""));
                v.add(Value.jsonOnly(5));
            }
        }
        return v;
    }

    @Test
    void everySurfaceAcceptsAndRefusesTheSameValuesWithTheSameSentence() throws Exception {
        int checks = 0;
        for (Setting<?> s : RequestSchema.ALL) {
            for (Value v : values(s)) {
                String want = expected(s, v.json);
                if (v.text != null) {
                    assertEquals(want, expected(s, v.text), s + " " + v.text + ": text reads as JSON does");
                }
                String where = s.name() + " = " + v.json;
                if (s.on(Surface.CLI) && v.text != null) {
                    assertEquals(want, cli(s, v.text), "kino generate " + where);
                    checks++;
                }
                if (s.on(Surface.HTTP)) {
                    assertEquals(want, http(s, v.json), "POST /api/jobs " + where);
                    checks++;
                }
                if (s.on(Surface.SHOT_LIST)) {
                    assertEquals(want, shotList(s, v.json), "shot list " + where);
                    checks++;
                    if (v.text != null && !v.text.contains(",") && !v.text.contains("\n") && !v.text.isBlank()) {
                        assertEquals(want, csv(s, v.text), "CSV table " + where);
                        checks++;
                    }
                }
                if (s.on(Surface.SPARK) && want == null && s.kind() != Setting.Kind.FILE) {
                    Object value = s.read(v.json, Setting.Files.PATHS);
                    GenerationRequest r = GenerationRequest.builder("p").build().with(cast(s), value);
                    assertEquals(r, RenderRow.of(take(r), null, ref -> demo).request(), "Spark row " + where);
                    checks++;
                }
            }
        }
        assertTrue(checks > 150, checks + " checks");
        // One anchor on the wording itself, so the sentences above are sentences a user can act on.
        assertEquals("must be a whole number from 1 to 1000, not 0", cli(RequestSchema.STEPS, "0"));
        assertEquals("must be one of crop, pad, stretch, not \"zoom\"", http(RequestSchema.FIT, "zoom"));
    }

    /**
     * Every file setting but {@code continue_from} (shot lists and the server name a shot instead) is on every
     * surface, and each surface finds a real file its own way: a path on the command line, a path relative to the
     * shot list (JSON and a CSV table, what Spark reads), and on the server an upload of the setting's kind by
     * {@code sha256:HEX} (another kind's upload is refused with a sentence naming the right endpoint).
     */
    @Test
    void everyFileSettingNamesARealFileOnEverySurface() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("files"));
        Path picture = Files.copy(resources().resolve("wan-vace/reference/images/ref_a.png"), folder.resolve("p.png"));
        Path lora = Files.copy(resources().resolve("wan/lora/peft.safetensors"), folder.resolve("l.safetensors"));
        Path video = folder.resolve("v.mp4");
        byte[] grey = new byte[16 * 16 * 3];
        java.util.Arrays.fill(grey, (byte) 90);
        dev.kino.video.Mp4Writer.write(new dev.kino.video.VideoFrames(16, 16, List.of(grey, grey, grey)), 8, video, 1);
        java.util.Map<String, String> uploaded = new java.util.HashMap<>();
        for (String[] kind : new String[][]{{"pictures", "picture"}, {"videos", "video"}, {"loras", "lora"}}) {
            Path file = kind[1].equals("picture") ? picture : kind[1].equals("video") ? video : lora;
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/api/" + kind[0])).header("Authorization", "Bearer " + server.token())
                    .POST(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), r.body());
            uploaded.put(kind[1], JSON.readTree(r.body()).path(kind[1]).asText());
        }
        // What is not of its kind is refused at upload in one sentence, nothing kept.
        for (String[] bad : new String[][]{{"loras", "p.png"}, {"videos", "l.safetensors"}}) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/api/" + bad[0])).header("Authorization", "Bearer " + server.token())
                    .POST(HttpRequest.BodyPublishers.ofFile(folder.resolve(bad[1]))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), r.body());
            String error = JSON.readTree(r.body()).path("error").asText();
            assertTrue(error.endsWith(".") && !error.contains("\n") && !error.contains(".partial"), error);
            if (bad[0].equals("videos") && bad[1].equals("l.safetensors")) {
                assertEquals("The upload is not a video FFmpeg can read; send an MP4, MOV, WebM or other video file"
                        + " FFmpeg reads.", error);
            }
        }
        try (var kept = Files.list(tmp.resolve("data/video-uploads"))) {
            assertEquals(1, kept.count(), "only the video");
        }
        int checked = 0;
        for (Setting<?> s : RequestSchema.ALL) {
            if (s.kind() != Setting.Kind.FILE && s.kind() != Setting.Kind.FILES || s == RequestSchema.CONTINUE_FROM) {
                continue;
            }
            for (Surface surface : Surface.values()) {
                assertTrue(s.on(surface), s + " is offered on " + surface);
            }
            String kind = s == RequestSchema.LORA ? "lora" : s.label().equals("VIDEO") ? "video" : "picture";
            Path file = kind.equals("picture") ? picture : kind.equals("video") ? video : lora;
            Object relative = s.kind() == Setting.Kind.FILES ? List.of(file.getFileName().toString())
                    : file.getFileName().toString();
            assertEquals(null, cli(s, file.toString()), "kino generate " + s);
            ObjectNode shot = JSON.createObjectNode().put("name", "a").put("prompt", "x");
            if (s == RequestSchema.LAST_IMAGE) {
                shot.put(RequestSchema.IMAGE.name(), "p.png"); // a last frame needs a first one
            }
            shot.set(s.name(), JSON.valueToTree(relative));
            ShotList list = ShotListReader.parse(JSON.createObjectNode().put("project", "p").set("shots",
                    JSON.createArrayNode().add(shot)).toString(), "t.json", ShotListReader.Format.JSON,
                    PictureFiles.relativeTo(folder));
            Object found = list.shots().get(0).request().get(s);
            assertEquals(file.toAbsolutePath(), found instanceof List<?> l ? l.get(0) : found, "shot list " + s);
            String first = s == RequestSchema.LAST_IMAGE ? "image," : "";
            Path table = Files.writeString(folder.resolve("t-" + s.name() + ".csv"), "name,prompt," + first + s.name()
                    + "\na,x," + (first.isEmpty() ? "" : "p.png,") + file.getFileName() + "\n");
            found = ShotSource.read(LocalSpark.session(), table.toString(), 0, null).shots().get(0).request().get(s);
            assertEquals(file.toAbsolutePath(), found instanceof List<?> l ? l.get(0) : found, "Spark table " + s);
            Object ref = s.kind() == Setting.Kind.FILES ? List.of(uploaded.get(kind)) : uploaded.get(kind);
            assertEquals(null, http(s, ref), "POST /api/jobs " + s);
            String other = uploaded.get(kind.equals("picture") ? "video" : "picture");
            String refused = http(s, s.kind() == Setting.Kind.FILES ? List.of(other) : other);
            assertTrue(refused != null && refused.contains("names no " + kind + " uploaded to this server; upload it"
                    + " with POST /api/" + kind + "s first"), s + ": " + refused);
            checked++;
        }
        assertEquals(7, checked, "image, last_image, lora, source_video, reference_image, control_video, mask_video");
    }

    private static Path resources() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("engine/core/src/test/resources"))) {
                return d.resolve("engine/core/src/test/resources");
            }
        }
        throw new IllegalStateException("engine/core/src/test/resources not found");
    }

    @SuppressWarnings("unchecked")
    private static Setting<Object> cast(Setting<?> s) {
        return (Setting<Object>) s;
    }

    private static dev.kino.shots.Take take(GenerationRequest r) throws IOException {
        ShotList list = ShotListReader.parse("{\"project\":\"p\",\"shots\":[{\"name\":\"a\",\"prompt\":\"p\"}]}",
                "t.json", ShotListReader.Format.JSON);
        dev.kino.shots.Take t = list.takes().get(0);
        return new dev.kino.shots.Take(t.project(), t.shot(), 1, t.seed(), r, null, t.requestHash());
    }

    /**
     * The command line: a value it takes parses into the request ({@link RequestOptions#read}, what {@code kino
     * generate} calls); a value it refuses makes {@code kino generate} exit 1 with the sentence, before any work.
     */
    private static String cli(Setting<?> s, String text) {
        List<String> args = new ArrayList<>(List.of("generate"));
        args.add(s == RequestSchema.PROMPT ? text : "a prompt");
        if (s != RequestSchema.PROMPT) {
            args.addAll(List.of(s.option(), text));
        }
        CommandLine cli = KinoCli.command();
        CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
        CommandLine.Model.CommandSpec generate = parsed.subcommand().commandSpec();
        try {
            RequestOptions.read(generate, s == RequestSchema.PROMPT ? text : "a prompt");
            return null;
        } catch (KinoException e) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            args.addAll(List.of("-o", tmp.resolve("never.mp4").toString()));
            int code = KinoCli.run(args.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            String said = err.toString(StandardCharsets.UTF_8).trim();
            assertEquals(1, code, said);
            assertTrue(Files.notExists(tmp.resolve("never.mp4")));
            String prefix = "kino: " + (s == RequestSchema.PROMPT ? "The prompt" : s.option()) + " ";
            assertTrue(said.startsWith(prefix) && said.endsWith(".") && !said.contains("\n"), said);
            return said.substring(prefix.length(), said.length() - 1);
        }
    }

    /** {@code POST /api/jobs}: 201, or a 400 naming another field than this one, takes it; else its sentence. */
    private static String http(Setting<?> s, Object value) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("prompt", "a prompt");
        body.set(s.name(), JSON.valueToTree(value));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/api/jobs")).header("Authorization", "Bearer " + server.token()).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 201) {
            return null;
        }
        assertEquals(400, r.statusCode(), r.body());
        String error = JSON.readTree(r.body()).path("error").asText();
        String prefix = "The field \"" + s.name() + "\" ";
        if (!error.startsWith(prefix)) {
            return null; // the model's own limit (its frame rule, memory): the setting itself took the value
        }
        return error.substring(prefix.length(), error.length() - 1);
    }

    /** A shot list (JSON) with one shot giving the value. */
    private static String shotList(Setting<?> s, Object value) {
        ObjectNode shot = JSON.createObjectNode().put("name", "a").put("prompt", "a prompt");
        shot.set(s.name(), JSON.valueToTree(value));
        String text = "{\"project\": \"p\", \"shots\": [" + shot + "]}";
        return problem(s, () -> ShotListReader.parse(text, "t.json", ShotListReader.Format.JSON,
                PictureFiles.relativeTo(tmp)));
    }

    /** A CSV table of shots (what the Spark job reads), the value as its cell. */
    private static String csv(Setting<?> s, String text) throws IOException {
        Path file = Files.writeString(tmp.resolve("shots-" + System.nanoTime() + ".csv"), s == RequestSchema.PROMPT
                ? "name,prompt\na," + text + "\n" : "name,prompt," + s.name() + "\na,a prompt," + text + "\n");
        try {
            ShotSource.read(LocalSpark.session(), file.toString(), 0, null);
            return null;
        } catch (ShotListException e) {
            return match(s, e);
        }
    }

    private static String problem(Setting<?> s, Runnable read) {
        try {
            read.run();
            return null;
        } catch (ShotListException e) {
            return match(s, e);
        }
    }

    private static String match(Setting<?> s, ShotListException e) {
        List<String> mine = e.problems().stream().filter(p -> p.field().equals("shots[0]." + s.name()))
                .map(ShotListException.Problem::message).toList();
        assertTrue(mine.size() <= 1, mine.toString());
        return mine.isEmpty() ? null : mine.get(0);
    }
}
