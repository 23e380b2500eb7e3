package dev.kino.bench.parity;

import dev.kino.KinoException;
import dev.kino.bench.io.Console;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.sweep.io.BenchJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kino bench parity}: Kino's side of {@code bench/ort-parity/run.sh}, which runs the same graph through
 * a plain Python onnxruntime loop and prints the ratio.
 */
@Command(name = "parity", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Step one denoiser graph through Kino's denoiser on the CPU (batch 2: cond and uncond) and print "
                + "each step's time as JSON; bench/ort-parity/run.sh compares it with a plain onnxruntime loop.")
public final class ParityCommand implements Callable<Integer> {

    @Option(names = "--graph", required = true, paramLabel = "FILE", description = "The denoiser's .onnx file.")
    Path graph;

    @Option(names = "--latent", required = true, paramLabel = "C,F,H,W", split = ",",
            description = "One sample's latent dims.")
    long[] latent;

    @Option(names = "--text", required = true, paramLabel = "L,D", split = ",",
            description = "One prompt's text-embedding dims.")
    long[] text;

    @Option(names = "--steps", defaultValue = "5", description = "Measured steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime's intra-op threads; 0 leaves its default (default: ${DEFAULT-VALUE}).")
    int threads;

    @ParentCommand
    Console parent;

    @Override
    public Integer call() throws Exception {
        if (latent.length != 4 || text.length != 2) {
            throw new KinoException("--latent takes C,F,H,W and --text takes L,D, but " + Arrays.toString(latent)
                    + " and " + Arrays.toString(text) + " were given.");
        }
        if (steps < 1 || warmup < 0) {
            throw new KinoException("--steps must be at least 1 and --warmup at least 0.");
        }
        if (!Files.isRegularFile(graph)) {
            throw new KinoException("The graph " + graph + " does not exist; pass the denoiser's .onnx file.");
        }
        String nativePath = System.getProperty("onnxruntime.native.path");   // read before Kino sets its own
        KinoLoop.Result r = KinoLoop.run(OnnxRuntime.create(Device.CPU, threads), graph, latent, text, steps, warmup);
        Map<String, Object> json = new LinkedHashMap<>();
        // run.sh's kino-wheel side points onnxruntime.native.path at another release's native library; say so
        // (the binding reports its own compile-time version either way).
        json.put("runtime", "kino, onnxruntime java " + ai.onnxruntime.OrtEnvironment.class.getPackage()
                .getImplementationVersion() + (nativePath != null ? " with the native library in " + nativePath : ""));
        json.put("threads", threads);
        json.put("step_seconds", r.stepSeconds());
        json.put("run_seconds", r.runSeconds());
        parent.out().println(BenchJson.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        return 0;
    }
}
