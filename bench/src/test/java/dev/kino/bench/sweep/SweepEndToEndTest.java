package dev.kino.bench.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.bench.Bench;
import dev.kino.sweep.CsvFields;
import dev.kino.sweep.io.BenchJson;
import dev.kino.sweep.report.Charts;
import dev.kino.sweep.report.ResultsCsv;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A 2 × 2 sweep (two schedulers, two step counts) on the UNet fixture, through the command line. */
class SweepEndToEndTest {
    @TempDir
    static Path tmp;
    private static Path out;
    private static Bench.Run first;

    static String[] args(Path folder, String steps) {
        return new String[] {"sweep", "--model", Bench.fixture(Bench.UNET).toString(), "--prompt",
                "a red circle moving right", "--schedulers", "ddim,euler", "--steps", steps, "--reference-steps", "10",
                "--device", "cpu", "--out", folder.toString(), "--quiet"};
    }

    @BeforeAll
    static void sweep() {
        out = tmp.resolve("sweep");
        first = Bench.ok(args(out, "2,4"));
    }

    @Test
    void everyArtifactIsWritten() throws IOException {
        for (String f : List.of("sweep.json", "results.csv", "results.json", "report.html")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        for (String id : List.of("ddim_2steps", "ddim_4steps", "euler_2steps", "euler_4steps")) {
            Path dir = onlyDir(out.resolve("cells"), id);
            for (String f : List.of("result.json", "strip.png", "video.mp4")) {
                assertTrue(Files.size(dir.resolve(f)) > 0, dir + "/" + f);
            }
        }
        Path ref = onlyDir(out.resolve("reference"), "ddim_10steps");
        for (String f : List.of("result.json", "frames.png", "latents.npy", "strip.png", "video.mp4")) {
            assertTrue(Files.size(ref.resolve(f)) > 0, ref + "/" + f);
        }
        assertTrue(first.out().contains("Ran 5 runs, reused 0"), first.out());
    }

    @Test
    void chartsAreValidPngsOfNonTrivialSize() throws IOException {
        for (String chart : List.of(Charts.PSNR, Charts.SSIM, Charts.STEP_TIME, Charts.PARETO)) {
            Path file = out.resolve(chart);
            assertTrue(Files.size(file) > 10_000, chart + " is " + Files.size(file) + " bytes");
            BufferedImage image = ImageIO.read(file.toFile());
            assertNotNull(image, chart + " is not a readable PNG");
            assertEquals(900, image.getWidth());
            assertEquals(560, image.getHeight());
            assertTrue(distinctColours(image) > 20, chart + " looks blank");
        }
    }

    @Test
    void theCsvHasOneRowPerCellAndOnePerReference() throws IOException {
        List<String> lines = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(String.join(",", ResultsCsv.header()), lines.get(0));
        assertEquals(1 + 1 + 4, lines.size());
        List<String> header = ResultsCsv.header();
        Set<String> cells = new TreeSet<>();
        int references = 0;
        for (String line : lines.subList(1, lines.size())) {
            String kind = field(line, header, "run");
            String config = field(line, header, "scheduler") + "/" + field(line, header, "steps");
            if (kind.equals("reference")) {
                references++;
                assertEquals("ddim/10", config);
            } else {
                cells.add(config);
                assertEquals("ddim", field(line, header, "reference_scheduler"));
                assertEquals("10", field(line, header, "reference_steps"));
                assertFalse(field(line, header, "psnr_db").isEmpty());
                assertFalse(field(line, header, "peak_rss_bytes").isEmpty());
                assertEquals("", field(line, header, "gpu_memory_bytes"));
                assertEquals("CPU", field(line, header, "execution_provider"));
            }
            assertEquals("a red circle moving right", field(line, header, "prompt"));
            assertEquals("0", field(line, header, "seed"));
            assertEquals("fixture-unet3d-ddim", field(line, header, "model"));
        }
        assertEquals(1, references);
        assertEquals(Set.of("ddim/2", "ddim/4", "euler/2", "euler/4"), cells);
    }

    @Test
    void theJsonHoldsEveryRunWithItsStagesAndTheMachine() throws IOException {
        JsonNode root = BenchJson.MAPPER.readTree(out.resolve("results.json").toFile());
        assertEquals(4, root.get("runs").size());
        assertEquals(1, root.get("references").size());
        assertEquals(4, root.get("summary").size());
        JsonNode run = root.get("runs").get(0);
        List<String> stages = new ArrayList<>();
        run.get("timings").get("stages").forEach(s -> stages.add(s.get("name").asText()));
        assertEquals(List.of("tokenize", "text encode", "denoise", "VAE decode", "encode MP4"), stages);
        assertEquals(run.get("steps").asInt(), run.get("timings").get("steps_ms").size());
        assertEquals("CPU", run.get("machine").get("execution_provider").asText());
        assertFalse(run.get("machine").get("onnx_runtime").asText().isEmpty());
        assertEquals("DDIMScheduler", run.get("model").get("scheduler_config").get("_class_name").asText());
        Map<String, String> classes = new HashMap<>();
        root.get("runs").forEach(r -> classes.put(r.get("scheduler").asText(),
                r.get("scheduler_config").get("_class_name").asText()));
        assertEquals(Map.of("ddim", "DDIMScheduler", "euler", "EulerDiscreteScheduler"), classes);
    }

    @Test
    void theHtmlReferencesOnlyFilesThatExist() throws IOException {
        String html = Files.readString(out.resolve("report.html"));
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(html);
        int links = 0;
        int strips = 0;
        while (m.find()) {
            String link = m.group(1);
            assertFalse(link.startsWith("/") || link.contains("://") || link.contains(".."), link);
            assertTrue(Files.isRegularFile(out.resolve(link)), "report.html links to missing " + link);
            links++;
            strips += link.endsWith("strip.png") ? 1 : 0;
        }
        assertEquals(5, strips, "one strip per cell and one for the reference");
        assertTrue(links >= 5 + 5 + 4 + 2, "links: " + links);
    }

    @Test
    void aRerunSkipsFinishedCellsAndRedoesOnlyWhatWasLost() throws IOException {
        Path copy = tmp.resolve("resume");
        copyTree(out, copy);
        Map<Path, FileTime> before = resultTimes(copy);

        Bench.Run again = Bench.ok(args(copy, "2,4"));
        assertTrue(again.out().contains("Ran 0 runs, reused 5"), again.out());
        assertEquals(before, resultTimes(copy));

        // a sweep killed while one cell ran: its video may be there, its result.json is not
        Path lost = onlyDir(copy.resolve("cells"), "euler_4steps").resolve("result.json");
        Files.delete(lost);
        Bench.Run resumed = Bench.ok(args(copy, "2,4"));
        assertTrue(resumed.out().contains("Ran 1 runs, reused 4"), resumed.out());
        Map<Path, FileTime> after = resultTimes(copy);
        before.forEach((file, time) -> {
            if (!file.equals(lost)) {
                assertEquals(time, after.get(file), file + " was rewritten");
            }
        });
        assertTrue(Files.isRegularFile(lost));

        // a wider grid adds only the new cells
        Bench.Run wider = Bench.ok(args(copy, "2,4,6"));
        assertTrue(wider.out().contains("Ran 2 runs, reused 5"), wider.out());
        assertEquals(1 + 1 + 6, Files.readAllLines(copy.resolve("results.csv")).size());
    }

    private static Map<Path, FileTime> resultTimes(Path folder) throws IOException {
        Map<Path, FileTime> times = new HashMap<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("result.json")).toList()) {
                times.put(f, Files.getLastModifiedTime(f));
            }
        }
        return times;
    }

    static Path onlyDir(Path parent, String prefix) throws IOException {
        try (Stream<Path> dirs = Files.list(parent)) {
            List<Path> found = dirs.filter(d -> d.getFileName().toString().startsWith(prefix + "_")).toList();
            assertEquals(1, found.size(), prefix + " in " + parent);
            return found.get(0);
        }
    }

    static String field(String line, List<String> header, String column) {
        return CsvFields.parse(line).get(header.indexOf(column));
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
