package dev.kino.bench.demo;

import dev.kino.commandline.DeviceOption;
import dev.kino.bench.demo.DemoContinuation.Link;
import dev.kino.bench.demo.DemoContinuation.Shot;
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
 * {@code kino bench continuation}: how well the demo model continues shots (DemoContinuation's grid), and
 * with {@code --picture} the README's two-shot chain.
 */
@Command(name = "continuation", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate first shots from text, continue each from its MP4 in all four directions "
                + "(--continue-from), decode every MP4 back and measure: the object's offset between the given "
                + "frame and the new first frame, its colour, its direction. With --picture, also draw a chain "
                + "of shots (--chain prompts) as a PNG."})
public final class ContinuationCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "The demo model package (models/demo/package).")
    Path model;

    @Option(names = "--firsts", defaultValue = "12", paramLabel = "N",
            description = "First shots, each continued 4 ways (default: ${DEFAULT-VALUE}; 0: only the picture).")
    int firsts;

    @Option(names = "--picture", paramLabel = "FILE.png", description = "Draw the chain of --chain prompts.")
    Path picture;

    @Option(names = "--chain", split = "\\|", paramLabel = "PROMPT|PROMPT",
            defaultValue = "a red circle moving right|a red circle moving down",
            description = "The chain's prompts, separated by | (default: ${DEFAULT-VALUE}).")
    List<String> chain = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "42", description = "The chain's first seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    DeviceOption device;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path scratch = Files.createTempDirectory("kino-continuation");
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(model, device.device())) {
            if (firsts > 0) {
                long start = System.nanoTime();
                List<Link> links = DemoContinuation.run(kino, firsts, scratch);
                long near = links.stream().filter(l -> l.offset() <= 2).count();
                long color = links.stream().filter(Link::colorKept).count();
                long dir = links.stream().filter(Link::directionFollowed).count();
                double mean = links.stream().mapToDouble(Link::offset).average().orElse(Double.NaN);
                double worst = links.stream().mapToDouble(Link::offset).max().orElse(Double.NaN);
                int n = links.size();
                out.printf("%d continuations of %d first shots: position within 2 px %.0f%% (mean %.2f px, worst "
                                + "%.2f px), color kept %.0f%%, direction %.0f%%; %.0f s%n", n, firsts, 100.0 * near / n,
                        mean, worst, 100.0 * color / n, 100.0 * dir / n, (System.nanoTime() - start) / 1e9);
            }
            if (picture != null) {
                List<Shot> shots = DemoContinuation.chain(kino, chain, seed, scratch);
                ChainPicture.write(picture, shots);
                for (int i = 1; i < shots.size(); i++) {
                    Link l = new Link(shots.get(i - 1), shots.get(i), "", "");
                    out.printf("cut %d -> %d: the object moved %.2f px across the cut%n", i, i + 1, l.offset());
                }
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
