package dev.kino.bench.memory;

import dev.kino.model.ModelPackage;
import dev.kino.pipeline.ExpertResidency;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.MemoryPlan;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.video.Mp4Writer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code kino bench experts-memory}: the peak resident set ({@code VmHWM}) of a CPU process that loads a
 * mixture-of-experts package (Wan 2.2) with both experts resident and with one at a time, generates and writes
 * the MP4, beside what the memory plan says for each. Each run is its own child JVM with a fixed, pre-touched
 * heap, so the heap's share of the peak is the same constant in both; the modes alternate round by round.
 */
@Command(name = "experts-memory", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Peak RSS on the CPU of a two-expert package (Wan 2.2) with both experts loaded and with one at"
                + " a time, each in its own JVM, beside the memory plan's figures; checks the MP4s are identical.")
public final class ExpertsMemoryCommand implements Callable<Integer> {
    private static final int HEAP_MIB = 192;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A package with two denoiser experts.")
    Path model;

    @Option(names = "--size", defaultValue = "256x256x33", paramLabel = "WxHxF", description = "Video size (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--steps", defaultValue = "4", description = "Steps (default: ${DEFAULT-VALUE}; enough that both experts run).")
    int steps;

    @Option(names = "--rounds", defaultValue = "2", description = "Rounds, each running both modes (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--out", required = true, description = "Folder for the MP4s (created).")
    Path out;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        int[] s = Arrays.stream(size.split("x")).mapToInt(Integer::parseInt).toArray();
        Files.createDirectories(out);
        MemoryPlan plan = MemoryPlan.of(ModelPackage.open(model), s[0], s[1], s[2], 2);
        w.printf(Locale.ROOT, "load average before: %s%n", loadAverage());
        Map<String, long[]> peaks = new HashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (String mode : r % 2 == 0 ? List.of("both", "one") : List.of("one", "both")) {
                long kb = child(mode, s, out.resolve(mode + "-" + r + ".mp4"));
                peaks.computeIfAbsent(mode, k -> new long[rounds])[r] = kb;
                w.printf(Locale.ROOT, "round %d, %s: peak %.1f MiB%n", r + 1, mode, kb / 1024.0);
                w.flush();
            }
        }
        boolean same = Arrays.equals(Files.readAllBytes(out.resolve("both-0.mp4")), Files.readAllBytes(out.resolve("one-0.mp4")));
        w.printf(Locale.ROOT, "load average after: %s%n", loadAverage());
        w.printf(Locale.ROOT, "| experts | planned ONNX Runtime bytes | measured peak RSS (min of %d) |%n|---|---|---|%n", rounds);
        w.printf(Locale.ROOT, "| both resident | %.1f MiB | %.1f MiB |%n", mib(plan.runtimeBytes()),
                Arrays.stream(peaks.get("both")).min().orElse(0) / 1024.0);
        w.printf(Locale.ROOT, "| one at a time | %.1f MiB | %.1f MiB |%n", mib(plan.runtimeBytesOneExpert()),
                Arrays.stream(peaks.get("one")).min().orElse(0) / 1024.0);
        w.printf(Locale.ROOT, "MP4s byte-identical: %s%n", same);
        return same ? 0 : 1;
    }

    private static double mib(long b) {
        return b / 1048576.0;
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    /** Runs {@link Child} in its own JVM and returns its VmHWM in kB. */
    private long child(String mode, int[] s, Path mp4) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xms" + HEAP_MIB + "m", "-Xmx" + HEAP_MIB + "m",
                "-XX:+AlwaysPreTouch", "-cp", System.getProperty("java.class.path"), Child.class.getName(),
                model.toString(), mode, "" + s[0], "" + s[1], "" + s[2], "" + steps, mp4.toString())
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("the " + mode + " run failed:\n" + text);
        }
        return Long.parseLong(text.lines().filter(l -> l.startsWith("peak ")).findFirst()
                .orElseThrow(() -> new IllegalStateException(text)).replaceAll("\\D", ""));
    }

    /** The child: {@code MODEL one|both W H F STEPS OUT.mp4}; prints {@code peak N kB}. */
    public static final class Child {
        private Child() {
        }

        public static void main(String[] a) throws IOException {
            GenerationRequest request = GenerationRequest.builder("a red fox runs through fresh snow").seed(1L)
                    .steps(Integer.parseInt(a[5])).width(Integer.parseInt(a[2])).height(Integer.parseInt(a[3]))
                    .frames(Integer.parseInt(a[4])).build();
            try (TextToVideoPipeline p = TextToVideoPipeline.load(ModelPackage.open(Path.of(a[0])),
                    OnnxRuntime.create(Device.CPU), ExpertResidency.parse(a[1]), 0)) {
                GenerationResult r = p.generate(request, e -> true);
                Mp4Writer.write(r.frames(), 8, Path.of(a[6]), 1);
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    System.out.println("peak " + line.replaceAll("\\D", "") + " kB");
                }
            }
        }
    }
}
