package dev.kino.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The machine's NVIDIA GPUs and their memory, as {@code nvidia-smi} reports them (ONNX Runtime's Java API cannot). */
public final class Gpus {

    /** One GPU: index, name, total and used memory in MiB, driver version. */
    public record Gpu(int index, String name, long totalMib, long usedMib, String driver) {
    }

    /** The GPUs, or why they could not be listed ({@code gpus} empty then). */
    public record Listing(List<Gpu> gpus, String problem) {
    }

    private Gpus() {
    }

    public static Listing list() {
        ProcessBuilder pb = new ProcessBuilder("nvidia-smi", "--query-gpu=index,name,memory.total,memory.used,driver_version",
                "--format=csv,noheader,nounits").redirectErrorStream(true);
        try {
            Process p = pb.start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Listing(List.of(), "nvidia-smi did not answer within 10 s");
            }
            if (p.exitValue() != 0) {
                return new Listing(List.of(), "nvidia-smi failed: " + firstLine(out));
            }
            return parse(out);
        } catch (IOException e) {
            return new Listing(List.of(), "nvidia-smi is not installed (no NVIDIA driver on this machine)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Listing(List.of(), "interrupted");
        }
    }

    /** Parses nvidia-smi's {@code csv,noheader,nounits} lines. */
    static Listing parse(String csv) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : csv.split("\n")) {
            String[] f = line.split(",");
            if (f.length < 5) {
                continue;
            }
            try {
                gpus.add(new Gpu(Integer.parseInt(f[0].strip()), f[1].strip(), Long.parseLong(f[2].strip()),
                        Long.parseLong(f[3].strip()), f[4].strip()));
            } catch (NumberFormatException e) {
                return new Listing(List.of(), "unexpected nvidia-smi output: " + firstLine(csv));
            }
        }
        return gpus.isEmpty() ? new Listing(List.of(), "nvidia-smi lists no GPU") : new Listing(List.copyOf(gpus), null);
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
