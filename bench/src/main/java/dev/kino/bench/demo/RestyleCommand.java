package dev.kino.bench.demo;

import dev.kino.bench.demo.DemoContinuation.Shot;
import dev.kino.bench.demo.DemoRestyle.Restyle;
import dev.kino.commandline.DeviceOption;
import dev.kino.pipeline.TextToVideoPipeline;
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
 * {@code kino bench restyle}: video-to-video on the demo model (DemoRestyle's grid) against strength, and with
 * {@code --picture} one source clip and its restyles as a PNG.
 */
@Command(name = "restyle", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate source clips from text, restyle each from its MP4 to another colour "
                + "(--source-video, --strength) at every strength, decode every MP4 back and measure: new colour "
                + "taken, direction kept, distance from the source's object per frame. With --picture, also draw "
                + "one source and its restyles as a PNG."})
public final class RestyleCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "The demo model package (models/demo/package).")
    Path model;

    @Option(names = "--sources", defaultValue = "12", paramLabel = "N",
            description = "Source clips, each restyled at every strength (default: ${DEFAULT-VALUE}; 0: only the picture).")
    int sources;

    @Option(names = "--strengths", split = ",", defaultValue = "0.2,0.4,0.6,0.8,1.0", paramLabel = "S,S",
            description = "Strengths (default: ${DEFAULT-VALUE}).")
    double[] strengths;

    @Option(names = "--picture", paramLabel = "FILE.png", description = "Draw --from restyled as --to.")
    Path picture;

    @Option(names = "--from", defaultValue = "a red circle moving right", description = "The picture's source prompt.")
    String from;

    @Option(names = "--to", defaultValue = "a blue circle moving right", description = "The picture's restyle prompt.")
    String to;

    @Option(names = "--seed", defaultValue = "42", description = "The picture's seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    DeviceOption device;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path scratch = Files.createTempDirectory("kino-restyle");
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(model, device.device())) {
            if (sources > 0) {
                long start = System.nanoTime();
                List<Restyle> all = DemoRestyle.run(kino, sources, strengths, scratch);
                out.printf("%d source clips, each restyled to another colour (same shape and direction in the prompt)%n",
                        sources);
                out.println("strength  new colour taken  direction kept  object within 3 px of the source's (mean offset)");
                for (double s : strengths) {
                    List<Restyle> at = all.stream().filter(r -> r.strength() == s).toList();
                    int n = at.size();
                    long color = at.stream().filter(Restyle::colorTaken).count();
                    long dir = at.stream().filter(Restyle::directionKept).count();
                    long near = at.stream().filter(r -> r.pathOffset() <= 3).count();
                    double mean = at.stream().mapToDouble(Restyle::pathOffset).filter(Double::isFinite).average()
                            .orElse(Double.NaN);
                    out.printf("%8.2f  %15.0f%%  %13.0f%%  %5.0f%% (%.1f px)%n", s, 100.0 * color / n, 100.0 * dir / n,
                            100.0 * near / n, mean);
                }
                out.printf("%.0f s%n", (System.nanoTime() - start) / 1e9);
            }
            if (picture != null) {
                Path source = scratch.resolve("picture-source.mp4");
                List<Shot> rows = new ArrayList<>();
                List<String> labels = new ArrayList<>();
                rows.add(DemoRestyle.shot(kino, from, seed, null, 0, source));
                labels.add("source: \"" + from + "\" (from text)");
                for (double s : strengths) {
                    rows.add(DemoRestyle.shot(kino, to, seed + 1, source, s, scratch.resolve("picture-restyled.mp4")));
                    labels.add("\"" + to + "\" --source-video the source --strength " + s);
                }
                ChainPicture.write(picture, rows, labels);
                out.println("Wrote " + picture.toAbsolutePath());
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
