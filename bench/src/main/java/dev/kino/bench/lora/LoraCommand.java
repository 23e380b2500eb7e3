package dev.kino.bench.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import dev.kino.sweep.io.BenchJson;
import dev.kino.bench.io.Console;
import dev.kino.bench.parity.KinoLoop;
import dev.kino.lora.Lora;
import dev.kino.lora.LoraSessions;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.OnnxRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code kino bench lora}: what LoRAs cost on one Wan denoiser graph. Opens the plain session, steps it, then
 * opens a session with a LoRA set merged in (the first one reads the base weights it touches from disk), steps
 * that, and switches to a second LoRA set and to another strength, timing each and reading the process's RSS.
 * The LoRAs are seeded random ones in the original Wan layout covering every attention and FFN layer of every
 * block (the widest a published Wan LoRA goes).
 */
@Command(name = "lora", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Time LoRA loading, switching and steps on a Wan denoiser graph (e.g. bench/ort-parity's Wan-width model) and print JSON.")
public final class LoraCommand implements Callable<Integer> {

    @Option(names = "--graph", required = true, paramLabel = "FILE", description = "A Wan denoiser .onnx file.")
    Path graph;

    @Option(names = "--latent", defaultValue = "16,5,32,32", split = ",", paramLabel = "C,F,H,W",
            description = "One sample's latent dims (default: ${DEFAULT-VALUE}).")
    long[] latent;

    @Option(names = "--text", defaultValue = "512,4096", split = ",", paramLabel = "L,D",
            description = "One prompt's text-embedding dims (default: ${DEFAULT-VALUE}).")
    long[] text;

    @Option(names = "--blocks", defaultValue = "4", description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--dim", defaultValue = "1536", description = "Model width (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--ffn", defaultValue = "8960", description = "FFN width (default: ${DEFAULT-VALUE}).")
    int ffn;

    @Option(names = "--rank", defaultValue = "32", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--steps", defaultValue = "2", description = "Measured steps per session (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads; 0: its default.")
    int threads;

    @ParentCommand
    Console parent;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(graph)) {
            throw new KinoException("The graph " + graph + " does not exist; make it with bench/ort-parity/make_wan_width.py.");
        }
        Path dir = Files.createTempDirectory("kino-lora-bench");
        Path a = write(dir.resolve("a.safetensors"), 1);
        Path b = write(dir.resolve("b.safetensors"), 2);
        OnnxRuntime runtime = OnnxRuntime.create(Device.CPU, threads);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("graph", graph.toString());
        json.put("lora", "rank " + rank + ", every attention and FFN layer of " + blocks + " blocks, "
                + Files.size(a) / (1 << 20) + " MiB (F32)");
        json.put("rss_start_mib", rssMib());
        long t = System.nanoTime();
        try (OnnxModel plain = runtime.open(graph, "denoiser")) {
            json.put("open_plain_s", since(t));
            json.put("rss_plain_mib", rssMib());
            json.put("step_plain_s", KinoLoop.run(plain, latent, text, steps, 1).stepSeconds());
            json.put("rss_plain_after_steps_mib", rssMib());
            LoraSessions sessions = new LoraSessions(runtime, List.of(graph));
            List<Lora> setA = List.of(new Lora(a, 1.0, null));
            t = System.nanoTime();
            List<OnnxModel> merged = sessions.open(setA, List.of("denoiser"));
            json.put("open_lora_first_s", since(t));
            json.put("rss_plain_plus_lora_session_mib", rssMib());
            json.put("step_lora_s", KinoLoop.run(merged.get(0), latent, text, steps, 1).stepSeconds());
            json.put("rss_after_lora_steps_mib", rssMib());
            merged.forEach(OnnxModel::close);
            t = System.nanoTime();
            merged = sessions.open(List.of(new Lora(b, 0.8, null), new Lora(a, -0.3, null)), List.of("denoiser"));
            json.put("switch_to_another_set_s", since(t));
            merged.forEach(OnnxModel::close);
            t = System.nanoTime();
            merged = sessions.open(List.of(new Lora(a, 0.5, null)), List.of("denoiser"));
            json.put("switch_strength_s", since(t));
            json.put("rss_end_mib", rssMib());
            merged.forEach(OnnxModel::close);
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
            Files.deleteIfExists(dir);
        }
        parent.out().println(BenchJson.MAPPER.writeValueAsString(json));
        return 0;
    }

    private static double since(long start) {
        return Math.round((System.nanoTime() - start) / 1e6) / 1e3;
    }

    private static long rssMib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    /** A seeded LoRA in the original Wan layout (lora_down/lora_up + alpha) over every linear layer of each block. */
    private Path write(Path file, long seed) throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int i = 0; i < blocks; i++) {
            for (String layer : new String[] {"self_attn.q", "self_attn.k", "self_attn.v", "self_attn.o",
                    "cross_attn.q", "cross_attn.k", "cross_attn.v", "cross_attn.o", "ffn.0", "ffn.2"}) {
                long out = layer.equals("ffn.0") ? ffn : dim;
                long in = layer.equals("ffn.2") ? ffn : dim;
                String key = "diffusion_model.blocks." + i + "." + layer;
                shapes.put(key + ".lora_down.weight", new long[] {rank, in});
                shapes.put(key + ".lora_up.weight", new long[] {out, rank});
                shapes.put(key + ".alpha", new long[] {});
            }
        }
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            header.put(e.getKey(), Map.of("dtype", "F32", "shape", e.getValue(), "data_offsets", List.of(offset, offset + 4 * n)));
            offset += 4 * n;
        }
        byte[] head = new ObjectMapper().writeValueAsBytes(header);
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(8 + head.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        data.putLong(head.length).put(head);
        Random random = new Random(seed);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            if (e.getValue().length == 0) {
                data.putFloat(rank);   // alpha = rank: scale 1
                continue;
            }
            for (long i = e.getValue()[0] * e.getValue()[1]; i > 0; i--) {
                data.putFloat((float) (random.nextGaussian() * 0.01));
            }
        }
        Files.write(file, data.array());
        return file;
    }
}
