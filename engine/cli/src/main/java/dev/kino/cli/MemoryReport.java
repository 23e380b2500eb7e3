package dev.kino.cli;

import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.MemoryPlan;
import dev.kino.runtime.Device;
import dev.kino.runtime.DeviceMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The memory plan of a package at one video size in words, for {@code kino info} and {@code kino doctor}: the
 * weights and activations of each graph, whether they fit the device's memory, and if not what would (another
 * precision mode, one expert at a time, fewer frames). The device's memory is {@code --memory} when given, else
 * the free memory nvidia-smi reports for a CUDA device, else the memory Linux reports available for the CPU.
 */
final class MemoryReport {
    static final long PROCESS_BASE = DeviceMemory.PROCESS_BASE;

    private MemoryReport() {
    }

    /** Lines describing {@code pkg} at {@code width × height × frames} on {@code device}. */
    static List<String> lines(ModelPackage pkg, Device device, Long memory, int width, int height, int frames) {
        Manifest m = pkg.manifest();
        int batch = m.denoiser().dynamicBatch() && m.defaults().guidance() > 1 ? 2 : 1;
        MemoryPlan plan = MemoryPlan.of(pkg, width, height, frames, batch);
        boolean cpu = device.kind() == Device.Kind.CPU;
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "at %dx%d, %d frames, denoiser batch %d (planned from the files, no session):",
                width, height, frames, batch));
        for (MemoryPlan.Graph g : plan.graphs()) {
            // pre-packed copies only for quantized graphs, so fp32 rows read as before
            String packed = g.prepackedBytes() == 0 ? "" : ", pre-packed " + human(g.prepackedBytes());
            out.add(String.format(Locale.ROOT, "  %-24s %-17s weights %9s%s, activations %9s", g.role(), g.format(),
                    human(g.weightBytes()), packed, human(g.activationBytes())));
        }
        long need = need(plan, cpu, plan.runtimeBytes());
        out.add(String.format(Locale.ROOT, "  total on %s: %s%s", cpu ? "the CPU" : "the GPU", human(need), cpu
                ? " (the JVM and libraries " + human(PROCESS_BASE) + ", ONNX Runtime " + human(plan.runtimeBytes())
                + ", Java arrays " + human(plan.javaBytes()) + ")"
                : " (ONNX Runtime's weights and activations; the CUDA context and cuDNN workspaces come on top)"));
        Available avail = available(device, memory);
        if (avail.bytes() <= 0) {
            out.add("  fits: unknown (" + avail.source() + "); pass --memory SIZE (e.g. 24GB) to check");
            return out;
        }
        if (need <= avail.bytes()) {
            out.add("  fits: yes, " + human(need) + " of " + human(avail.bytes()) + " (" + avail.source() + ")");
            return out;
        }
        out.add("  fits: NO, " + human(need) + " needed, " + human(avail.bytes()) + " available (" + avail.source() + ")");
        List<String> would = new ArrayList<>();
        if (plan.hasExperts() && need(plan, cpu, plan.runtimeBytesOneExpert()) <= avail.bytes()) {
            would.add("one expert loaded at a time (" + human(need(plan, cpu, plan.runtimeBytesOneExpert())) + ")");
        }
        long current = plan.runtimeBytes();
        for (String mode : MemoryPlan.MODES) {
            long bytes = need(plan, cpu, plan.runtimeBytesIn(mode, false));
            if (plan.runtimeBytesIn(mode, false) < current && bytes <= avail.bytes()) {
                would.add("a " + mode + " package (models/quantize/quantize_package.py --mode " + mode + ": "
                        + human(bytes) + ")");
            }
        }
        for (int f = frames - 1; f >= 1; f--) {
            if (!m.latent().acceptsFrames(f)) {
                continue;
            }
            long bytes = need(MemoryPlan.of(pkg, width, height, f, batch), cpu, -1);
            if (bytes <= avail.bytes()) {
                would.add(f + " frames (" + human(bytes) + ")");
                break;
            }
        }
        int multiple = m.latent().sizeMultiple();
        for (int pct = 90; pct >= 10 && would.size() < 4; pct -= 10) {
            int w = width * pct / 100 / multiple * multiple;
            int h = height * pct / 100 / multiple * multiple;
            long bytes = w < multiple || h < multiple ? Long.MAX_VALUE
                    : need(MemoryPlan.of(pkg, w, h, frames, batch), cpu, -1);
            if (bytes <= avail.bytes()) {
                would.add(w + "x" + h + " (" + human(bytes) + ")");
                break;
            }
        }
        out.add("  what would fit: " + (would.isEmpty() ? "nothing this package can do at this size"
                : String.join("; ", would)));
        return out;
    }

    /** The device's need for {@code runtime} bytes of ONNX Runtime memory (-1: the plan's own). */
    private static long need(MemoryPlan plan, boolean cpu, long runtime) {
        long r = runtime < 0 ? plan.runtimeBytes() : runtime;
        return cpu ? PROCESS_BASE + r + plan.javaBytes() : r;
    }

    record Available(long bytes, String source) {
    }

    static Available available(Device device, Long memory) {
        if (memory != null) {
            return new Available(memory, "--memory");
        }
        DeviceMemory.Free free = DeviceMemory.free(device);
        return new Available(free.bytes(), free.source());
    }

    /** Parses {@code --memory}: a number with an optional unit (B, KB, MB, GB, TB; powers of 1024). */
    static long parseSize(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT).replace("IB", "B");
        String[] units = {"TB", "GB", "MB", "KB", "B", "T", "G", "M", "K"};
        long[] scale = {1L << 40, 1L << 30, 1L << 20, 1L << 10, 1, 1L << 40, 1L << 30, 1L << 20, 1L << 10};
        double factor = 1;
        for (int i = 0; i < units.length; i++) {
            if (t.endsWith(units[i])) {
                factor = scale[i];
                t = t.substring(0, t.length() - units[i].length()).strip();
                break;
            }
        }
        try {
            double v = Double.parseDouble(t);
            if (v <= 0 || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return (long) (v * factor);
        } catch (NumberFormatException e) {
            throw new KinoException("--memory must be a size such as 24GB or 8192MB, but '" + text + "' was given.");
        }
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0);
    }
}
