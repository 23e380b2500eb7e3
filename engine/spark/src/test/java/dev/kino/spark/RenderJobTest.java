package dev.kino.spark;

import dev.kino.KinoException;
import dev.kino.cli.KinoCli;
import dev.kino.commandline.KinoPrograms;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RenderJob on local Spark with the built-in demo model, on the CPU. */
class RenderJobTest {
    /** Few steps: the point is the job, not the pictures. */
    static final String LIST = """
            {"project": "chase", "seed": 7, "defaults": {"steps": 4, "takes": 2},
             "shots": [{"name": "opening", "prompt": "a red circle moving right"},
                       {"name": "pursuit", "prompt": "a blue square moving left quickly", "fps": 12},
                       {"name": "escape", "prompt": "a yellow triangle moving up", "guidance": 4.5}]}
            """;

    @TempDir
    Path tmp;

    static RenderJob job(String... args) {
        RenderJob job = new RenderJob();
        new CommandLine(job).parseArgs(args);
        return job;
    }

    static RenderJob.Summary render(RenderTask.BeforeRender hook, String... args) {
        return job(args).run(LocalSpark.session(), hook);
    }

    @Test
    void sixTakesEqualKinoGenerateByteForByteWithACompleteResultsTable() throws IOException {
        Path list = Files.writeString(tmp.resolve("shots.json"), LIST);
        Path out = tmp.resolve("out");
        int pipelinesBefore = ExecutorPipelines.loaded();
        RenderJob.Summary s = render(null, "--shots", list.toString(), "--out", out.toString());
        int pipelinesLoaded = ExecutorPipelines.loaded() - pipelinesBefore;

        assertEquals(6, s.outcomes().size());
        assertEquals(6, s.count(RenderOutcome.RENDERED), s.outcomes().toString());
        for (RenderOutcome o : s.outcomes()) {
            Path mp4 = out.resolve(String.format("%02d-%s/take-%02d.mp4", shotIndex(o.shot()), o.shot(), o.take()));
            assertTrue(o.output().endsWith(mp4.toString()), o.output());
            String fps = o.shot().equals("pursuit") ? "12" : "8";
            Path single = tmp.resolve("single-" + o.shot() + "-" + o.take() + ".mp4");
            Run gen = kino("generate", o.prompt(), "--steps", "4", "--seed", Long.toString(o.seed()), "--fps", fps,
                    "--guidance", o.shot().equals("escape") ? "4.5" : "3", "--device", "cpu", "-o", single.toString(),
                    "-q");
            assertEquals(0, gen.code(), gen.err());
            assertArrayEquals(Files.readAllBytes(single), Files.readAllBytes(mp4), mp4 + " equals kino generate");
        }
        try (Stream<Path> files = Files.walk(out)) {
            assertEquals(List.of(), files.map(Path::getFileName).map(Path::toString)
                    .filter(n -> n.endsWith(".partial") || n.endsWith(".crc") && n.contains("take")).toList(),
                    "no temporary files left");
        }

        // The take's record is kino render's, field for field (TakeRecord), saying where it rendered.
        var record = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("01-opening/take-01.json")
                .toFile());
        List<String> fields = new java.util.ArrayList<>();
        record.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("project", "shot", "take", "seed", "model", "request_hash", "plan_fingerprint", "settings",
                "host", "device"),
                fields);
        assertTrue(record.path("model").isNull(), "the built-in model, as kino render writes it");
        assertEquals("cpu", record.path("device").asText());
        assertEquals(dev.kino.shots.ShotListReader.read(list).takes().get(0).requestHash(),
                record.path("request_hash").asText(), "kino render's request hash of the same take");

        SparkSession spark = LocalSpark.session();
        Dataset<Row> parquet = spark.read().parquet(out.resolve(RenderJob.PARQUET).toString());
        Dataset<Row> json = spark.read().json(out.resolve(RenderJob.JSON).toString());
        assertEquals(6, parquet.count());
        assertEquals(6, json.count());
        List<Row> rows = parquet.orderBy("shot", "take").collectAsList();
        for (Row r : rows) {
            for (String column : List.of("shot", "take", "seed", "plan_fingerprint", "output", "host", "device", "status",
                    "tokenize_ms", "text_encode_ms", "denoise_ms", "vae_decode_ms", "encode_mp4_ms", "write_ms",
                    "total_ms", "model_load_ms", "attempt", "executor")) {
                assertFalse(r.isNullAt(r.fieldIndex(column)), column + " in " + r);
            }
            assertEquals("cpu", r.getAs("device"));
            assertEquals(RenderOutcome.RENDERED, r.getAs("status"));
            assertNull(r.getAs("error"));
            assertEquals(64, ((String) r.getAs("plan_fingerprint")).length());
            assertTrue((Double) r.getAs("denoise_ms") > 0);
        }
        assertEquals(6, rows.stream().map(r -> (String) r.getAs("plan_fingerprint")).distinct().count());
        // The model loads once per task slot, not once per take: two slots, six takes.
        long loads = rows.stream().filter(r -> (Double) r.getAs("model_load_ms") > 0).count();
        assertTrue(loads <= 2, loads + " loads for 6 takes");
        assertTrue(pipelinesLoaded <= 2, pipelinesLoaded + " pipelines loaded for 6 takes");
        // Spark's own time around each render is measured for every take, and is small next to the render.
        assertEquals(6, s.overheadMs().size());
        for (Double overhead : s.overheadMs()) {
            assertNotNull(overhead);
            assertTrue(overhead > -5 && overhead < 5_000, overhead + " ms");
        }
        assertTrue(s.renderMs() > 0);
    }

    @Test
    void aCrashedTaskIsRetriedAndABadTakeFailsAloneWithItsSentence() throws IOException {
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "faults", "defaults": {"steps": 2},
                 "shots": [{"name": "flaky", "prompt": "a red circle moving right"},
                           {"name": "tiny", "prompt": "a green square moving up", "width": 32, "height": 32},
                           {"name": "fine", "prompt": "a blue triangle moving down"}]}
                """);
        Path out = tmp.resolve("out");
        RenderTask.BeforeRender crashOnce = (row, attempt) -> {
            if (row.shot().equals("flaky") && attempt == 0) {
                throw new IllegalStateException("simulated executor crash");
            }
        };
        Map<String, RenderOutcome> byShot = render(crashOnce, "--shots", list.toString(), "--out", out.toString())
                .outcomes().stream().collect(Collectors.toMap(RenderOutcome::shot, o -> o));

        assertEquals(RenderOutcome.RENDERED, byShot.get("flaky").status());
        assertEquals(1, byShot.get("flaky").attempt(), "rendered by the second attempt");
        assertTrue(Files.size(out.resolve("01-flaky/take-01.mp4")) > 0);
        assertEquals(RenderOutcome.RENDERED, byShot.get("fine").status());
        RenderOutcome tiny = byShot.get("tiny");
        assertEquals(RenderOutcome.FAILED, tiny.status());
        assertTrue(tiny.error().contains("32 was given") && tiny.error().endsWith("."), tiny.error());
        assertFalse(tiny.error().contains("\n") || tiny.error().contains("Exception"), tiny.error());
        assertFalse(Files.exists(out.resolve("02-tiny")), "nothing written for a failed take");

        // The command says which take failed and why, and exits 1 after writing everything else.
        Path again = tmp.resolve("again");
        Run run = command("--shots", list.toString(), "--out", again.toString());
        assertEquals(KinoPrograms.USER_ERROR, run.code(), run.err());
        assertTrue(run.out().contains("failed: tiny take 1: " + tiny.error()), run.out());
        assertTrue(run.out().contains("Rendered 2, kept 0, failed 1 of 3 takes"), run.out());
        assertTrue(run.out().contains("takes/minute"), run.out());
    }

    @Test
    void resumeRendersOnlyWhatIsMissing() throws IOException {
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "resume", "seed": 3, "defaults": {"steps": 2},
                 "shots": [{"name": "a", "prompt": "a red circle moving right"},
                           {"name": "b", "prompt": "a green square moving up"}]}
                """);
        Path out = tmp.resolve("out");
        RenderJob.Summary first = render(null, "--shots", list.toString(), "--out", out.toString(), "--takes", "1");
        assertEquals(2, first.count(RenderOutcome.RENDERED));
        Path a1 = out.resolve("01-a/take-01.mp4");
        Path b1 = out.resolve("02-b/take-01.mp4");
        FileTime a1Time = Files.getLastModifiedTime(a1);
        Files.delete(b1); // a take lost after the first run

        KinoException notEmpty = assertThrows(KinoException.class,
                () -> render(null, "--shots", list.toString(), "--out", out.toString(), "--takes", "2"));
        assertTrue(notEmpty.getMessage().contains("--resume"), notEmpty.getMessage());

        RenderJob.Summary resumed = render(null, "--shots", list.toString(), "--out", out.toString(), "--takes", "2",
                "--resume");
        Map<String, String> status = resumed.outcomes().stream()
                .collect(Collectors.toMap(o -> o.shot() + o.take(), RenderOutcome::status));
        assertEquals(Map.of("a1", RenderOutcome.KEPT, "a2", RenderOutcome.RENDERED, "b1", RenderOutcome.RENDERED,
                "b2", RenderOutcome.RENDERED), status);
        assertEquals(a1Time, Files.getLastModifiedTime(a1), "a kept take is not written again");
        assertTrue(Files.exists(b1));
        assertEquals(4, LocalSpark.session().read().parquet(out.resolve(RenderJob.PARQUET).toString()).count());

        // Another request (more steps) for shot a: its takes' hashes change, so they render again.
        Files.writeString(list, Files.readString(list).replace("\"name\": \"a\",", "\"name\": \"a\", \"steps\": 3,"));
        RenderJob.Summary changed = render(null, "--shots", list.toString(), "--out", out.toString(), "--takes", "2",
                "--resume");
        assertEquals(2, changed.count(RenderOutcome.RENDERED));
        assertEquals(2, changed.count(RenderOutcome.KEPT));
    }

    @Test
    void aResultsTableThatCannotBeWrittenIsOneSentenceAndResumeWritesIt() throws IOException {
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "full", "defaults": {"steps": 2},
                 "shots": [{"name": "a", "prompt": "a red circle moving right"}]}
                """);
        Path out = tmp.resolve("out");
        // The disk fills up after the last take: only the results table cannot be written.
        Run full = command("--shots", list.toString(), "--out", TestFileSystems.FullTable.SCHEME + "://" + out);
        assertEquals(KinoPrograms.USER_ERROR, full.code(), full.err());
        assertEquals(1, full.err().lines().count(), full.err());
        assertTrue(full.err().contains("1 of 1 takes are in fulltable:" + out + ", but the results table could not be"
                + " written there (No space left on device)"), full.err());
        assertTrue(Files.size(out.resolve("01-a/take-01.mp4")) > 0);

        RenderJob.Summary resumed = render(null, "--shots", list.toString(), "--out", out.toString(), "--resume");
        assertEquals(1, resumed.count(RenderOutcome.KEPT));
        assertEquals(1, LocalSpark.session().read().parquet(out.resolve(RenderJob.PARQUET).toString()).count());
    }

    @Test
    void aBrokenShotListIsOneSentenceBeforeAnyTask() throws IOException {
        Path list = Files.writeString(tmp.resolve("bad.json"), """
                {"project": "p",
                 "shots": [{"name": "a", "prompt": "x", "stpes": 3}]}
                """);
        Run run = command("--shots", list.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(KinoPrograms.USER_ERROR, run.code());
        assertTrue(run.err().contains("line 2, shots[0].stpes: is not a shot-list field"), run.err());
        assertFalse(Files.exists(tmp.resolve("out")));
        assertEquals(1, run.err().lines().count(), run.err());
    }

    private static int shotIndex(String shot) {
        return List.of("opening", "pursuit", "escape").indexOf(shot) + 1;
    }

    record Run(int code, String out, String err) {
    }

    /** RenderJob's command line on the shared local Spark, as spark-submit would run it. */
    static Run command(String... args) {
        LocalSpark.session();
        return commandOnActive(args);
    }

    /** RenderJob's command line on whatever Spark this JVM runs now. */
    static Run commandOnActive(String... args) {
        return capture(o -> e -> KinoPrograms.execute(new CommandLine(new RenderJob()), "RenderJob", args, o, e));
    }

    static Run kino(String... args) {
        return capture(o -> e -> KinoCli.run(args, o, e));
    }

    private static Run capture(java.util.function.Function<PrintStream, java.util.function.Function<PrintStream, Integer>> f) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = f.apply(o).apply(e);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
