package dev.kino.bench.demo;

import dev.kino.bench.demo.DemoAccuracy.Accuracy;
import dev.kino.bench.demo.DemoAccuracy.Prompt;
import dev.kino.bench.demo.DemoAccuracy.Row;
import dev.kino.bench.demo.DemoAccuracy.Summary;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo model makes what its prompts say: the shipped ONNX files through the whole engine and the MP4
 * encoder, decoded back and measured, at the model's default steps and guidance (issue 6's thresholds).
 */
class DemoAccuracyTest {
    static final Path DEMO = Path.of("..", "models", "demo", "package");

    @Test
    void demoModelFollowsItsPromptsIncludingHeldOutCombinations(@TempDir Path tmp) throws java.io.IOException {
        List<Prompt> grid = DemoAccuracy.testGrid(DEMO);
        assertTrue(grid.size() >= 24, "at least 24 prompts");
        assertTrue(grid.stream().filter(Prompt::heldout).count() * 2 >= grid.size(), "at least half held out");
        assertEquals(Set.of("red", "green", "blue", "yellow", "white", "purple"),
                grid.stream().map(Prompt::color).collect(Collectors.toSet()), "every color");
        assertEquals(Set.of("left", "right", "up", "down"),
                grid.stream().map(Prompt::direction).collect(Collectors.toSet()), "every direction");

        List<Row> rows;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(DEMO, Device.CPU)) {
            rows = DemoAccuracy.run(kino, grid, null, null, tmp);
        }
        Summary s = Summary.of(rows);
        for (Row r : rows) {
            System.out.printf("%-40s %s%s -> %s%n", r.prompt().text(), r.prompt().heldout() ? "(held out) " : "",
                    r.color() && r.shape() && r.direction() ? "ok" : "MISS", r.measured());
        }
        print("all", s.all());
        print("held-out", s.heldout());
        System.out.printf("distance moved: slowly %.1f px, plain %.1f px, quickly %.1f px (quickly/slowly %.2f)%n",
                s.slowDistance(), s.plainDistance(), s.quickDistance(), s.quickOverSlow());
        for (Accuracy a : List.of(s.all(), s.heldout())) {
            assertTrue(a.color() >= 0.95, "color accuracy " + a);
            assertTrue(a.direction() >= 0.95, "direction accuracy " + a);
            assertTrue(a.shape() >= 0.80, "shape accuracy " + a);
        }
        Path sheet = tmp.resolve("sheet.png");
        ContactSheet.write(sheet, rows, "test grid");
        java.awt.image.BufferedImage picture = javax.imageio.ImageIO.read(sheet.toFile());
        assertTrue(picture != null && picture.getHeight() > grid.size() / 2 * 128, "contact sheet of every clip");
        assertTrue(s.quickOverSlow() >= 1.5, "quickly moves at least 1.5x as far as slowly: " + s.quickOverSlow());
    }

    private static void print(String name, Accuracy a) {
        System.out.printf("%-9s n=%d  color %.0f%%  shape %.0f%%  direction %.0f%%%n", name, a.n(), 100 * a.color(),
                100 * a.shape(), 100 * a.direction());
    }
}
