package dev.kino.bench.demo;

import dev.kino.bench.demo.DemoAccuracy.Accuracy;
import dev.kino.bench.demo.DemoAccuracy.Row;
import dev.kino.bench.demo.DemoAccuracy.Summary;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.commandline.DeviceOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kino bench accuracy}: the demo model's accuracy per attribute (colour, shape, direction, and how far
 * "quickly" moves against "slowly") at each step count and guidance scale.
 */
@Command(name = "accuracy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate the demo model's fixed test grid (heldout.json) at each step count and guidance "
                + "scale, write each video as an MP4, decode it back and measure colour, shape, direction and "
                + "distance moved. Prints accuracy per attribute for all prompts and for the held-out combinations."})
public final class AccuracyCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "The demo model package (models/demo/package).")
    Path model;

    @Option(names = "--steps", split = ",", paramLabel = "2,4,8", defaultValue = "2,4,8,16,32",
            description = "Step counts (default: ${DEFAULT-VALUE}).")
    List<Integer> steps = new ArrayList<>();

    @Option(names = "--guidance", split = ",", paramLabel = "1,3,5", defaultValue = "1,3,5",
            description = "Guidance scales (default: ${DEFAULT-VALUE}).")
    List<Double> guidance = new ArrayList<>();

    @Mixin
    DeviceOption device;

    @Option(names = "--sheet", paramLabel = "FILE.png",
            description = "Also write a contact sheet of the grid's clips (as decoded from their MP4s) at the "
                    + "first step count and guidance scale.")
    Path sheet;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<DemoAccuracy.Prompt> grid = DemoAccuracy.testGrid(model);
        long held = grid.stream().filter(DemoAccuracy.Prompt::heldout).count();
        Path scratch = Files.createTempDirectory("kino-accuracy");
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(model, device.device())) {
            err.println(grid.size() + " prompts (" + held + " held out of training) x " + steps.size() + " step counts x "
                    + guidance.size() + " guidance scales on " + kino.provider().label());
            out.println("steps  guidance |  color  shape  direction |  held-out: color  shape  direction | quickly/slowly  secs");
            for (int s : steps) {
                for (double g : guidance) {
                    long start = System.nanoTime();
                    List<Row> rows = DemoAccuracy.run(kino, grid, s, g, scratch);
                    if (sheet != null && s == steps.get(0) && g == guidance.get(0)) {
                        ContactSheet.write(sheet, rows, String.format(java.util.Locale.ROOT,
                                "%s: %d steps, guidance %.1f, seed per prompt from heldout.json", kino.modelPackage().manifest().name(), s, g));
                        err.println("Wrote the contact sheet to " + sheet.toAbsolutePath());
                    }
                    Summary sum = Summary.of(rows);
                    Accuracy a = sum.all();
                    Accuracy h = sum.heldout();
                    out.printf("%5d  %8.1f | %5.0f%% %5.0f%% %9.0f%% |  %14.0f%% %5.0f%% %9.0f%% | %14.2f  %4.0f%n", s, g,
                            100 * a.color(), 100 * a.shape(), 100 * a.direction(), 100 * h.color(), 100 * h.shape(),
                            100 * h.direction(), sum.quickOverSlow(), (System.nanoTime() - start) / 1e9);
                    out.flush();
                }
            }
        } finally {
            try (var files = Files.list(scratch)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Files.deleteIfExists(scratch);
        }
        return 0;
    }
}
