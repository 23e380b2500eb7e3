package dev.kino.bench.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.video.Mp4Reader;
import dev.kino.video.Mp4Writer;
import dev.kino.video.VideoFrames;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Does the demo model make what its prompts say? Generates a fixed grid of prompts (each with its own seed),
 * writes each video as an H.264 MP4, decodes it back and measures it with {@link ClipScorer}: the whole
 * engine and the video encoder are in the loop, as a user would see the result.
 */
public final class DemoAccuracy {
    /** One prompt of the test grid and what it asks for. */
    public record Prompt(String text, long seed, String color, String shape, String direction, String speed,
                         boolean heldout) {
    }

    /**
     * One generated clip as decoded from its MP4, and what the scorer read from it (null measurement: no
     * object found).
     */
    public record Row(Prompt prompt, VideoFrames clip, ClipScorer.Measurement measured) {
        public boolean color() {
            return measured != null && measured.color().equals(prompt.color());
        }

        public boolean shape() {
            return measured != null && measured.shape().equals(prompt.shape());
        }

        public boolean direction() {
            return measured != null && measured.direction().equals(prompt.direction());
        }

        double distance() {
            return measured == null ? 0 : measured.distance();
        }
    }

    /** Accuracy per attribute over a subset of rows. */
    public record Accuracy(int n, double color, double shape, double direction) {
        static Accuracy of(List<Row> rows, Predicate<Row> which) {
            List<Row> sel = rows.stream().filter(which).toList();
            int n = sel.size();
            return new Accuracy(n, share(sel, Row::color), share(sel, Row::shape), share(sel, Row::direction));
        }

        private static double share(List<Row> rows, Predicate<Row> ok) {
            return rows.isEmpty() ? Double.NaN : rows.stream().filter(ok).count() / (double) rows.size();
        }
    }

    /** The grid's figures: all prompts, training and held-out combinations, and distance by speed word. */
    public record Summary(Accuracy all, Accuracy train, Accuracy heldout, double slowDistance,
                          double plainDistance, double quickDistance) {
        public double quickOverSlow() {
            return quickDistance / slowDistance;
        }

        public static Summary of(List<Row> rows) {
            return new Summary(Accuracy.of(rows, r -> true), Accuracy.of(rows, r -> !r.prompt().heldout()),
                    Accuracy.of(rows, r -> r.prompt().heldout()), meanDistance(rows, "slowly"),
                    meanDistance(rows, ""), meanDistance(rows, "quickly"));
        }

        private static double meanDistance(List<Row> rows, String speed) {
            return rows.stream().filter(r -> r.prompt().speed().equals(speed)).mapToDouble(Row::distance)
                    .average().orElse(Double.NaN);
        }
    }

    private DemoAccuracy() {
    }

    /** The package's fixed test grid ({@code heldout.json}, written by models/demo/export_onnx.py). */
    public static List<Prompt> testGrid(Path packageDir) {
        Path file = packageDir.resolve("heldout.json");
        try {
            JsonNode grid = new ObjectMapper().readTree(file.toFile()).path("test_grid");
            List<Prompt> prompts = new ArrayList<>();
            for (JsonNode p : grid) {
                prompts.add(new Prompt(p.path("prompt").asText(), p.path("seed").asLong(), p.path("color").asText(),
                        p.path("shape").asText(), p.path("direction").asText(), p.path("speed").asText(),
                        p.path("heldout").asBoolean()));
            }
            if (prompts.isEmpty()) {
                throw new KinoException(file + " has no test_grid; this command needs the demo model's package.");
            }
            return prompts;
        } catch (IOException e) {
            throw new KinoException("Cannot read " + file + " (" + e.getMessage()
                    + "); this command needs the demo model's package (models/demo/package).", e);
        }
    }

    /**
     * Generates every prompt of the grid (steps/guidance null: the model's defaults), through an MP4 in
     * {@code scratch}, and measures it.
     */
    public static List<Row> run(TextToVideoPipeline kino, List<Prompt> grid, Integer steps, Double guidance,
                                Path scratch) {
        List<Row> rows = new ArrayList<>();
        Path mp4 = scratch.resolve("clip.mp4");
        for (Prompt p : grid) {
            GenerationResult r = kino.generate(GenerationRequest.builder(p.text()).seed(p.seed()).steps(steps)
                    .guidance(guidance).build(), e -> true);
            Mp4Writer.write(r.frames(), r.settings().fps(), mp4, 1);
            VideoFrames decoded = Mp4Reader.read(mp4).frames();
            rows.add(new Row(p, decoded, ClipScorer.measure(decoded)));
        }
        try {
            Files.deleteIfExists(mp4);
        } catch (IOException ignored) {
            // scratch space; the caller's temporary folder goes away anyway
        }
        return rows;
    }
}
