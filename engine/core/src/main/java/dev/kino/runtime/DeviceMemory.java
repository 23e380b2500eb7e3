package dev.kino.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory a device has free now: what Linux reports available for the CPU, what nvidia-smi reports free
 * for a CUDA device (ONNX Runtime's Java API cannot say). {@code --experts auto} decides from it at load time,
 * on every surface, and {@code kino info}/{@code kino doctor} compare the memory plan with it.
 */
public final class DeviceMemory {
    /**
     * A Kino process's own peak before any model: the JVM with ONNX Runtime, a tokenizer and FFmpeg loaded
     * (RssProbe's baseline, 129 MiB on the development machine; bench/README.md).
     */
    public static final long PROCESS_BASE = 130L << 20;

    /** Free bytes (0: the device does not say) and where the figure comes from, in words. */
    public record Free(long bytes, String source) {
    }

    private DeviceMemory() {
    }

    /** The free memory of {@code device} ({@link Device#AUTO} counts as the first GPU). */
    public static Free free(Device device) {
        if (device.kind() == Device.Kind.CPU) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                    if (line.startsWith("MemAvailable:")) {
                        return new Free(Long.parseLong(line.replaceAll("\\D", "")) * 1024, "MemAvailable of this machine");
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not Linux: fall through
            }
            return new Free(0, "this system does not say how much memory is free");
        }
        int index = device.kind() == Device.Kind.CUDA ? device.index() : 0;
        Gpus.Listing gpus = Gpus.list();
        for (Gpus.Gpu g : gpus.gpus()) {
            if (g.index() == index) {
                return new Free((g.totalMib() - g.usedMib()) << 20, "free on GPU " + index + ", " + g.name()
                        + ", per nvidia-smi");
            }
        }
        return new Free(0, gpus.gpus().isEmpty() ? "no GPU listed: " + gpus.problem() : "no GPU " + index);
    }

    /**
     * What ONNX Runtime may still hold on {@code device}: its free memory, less a process's own on the CPU; 0 when
     * the device does not say.
     */
    public static long runtimeBudget(Device device) {
        long free = free(device).bytes();
        return free <= 0 ? 0 : Math.max(1, free - (device.kind() == Device.Kind.CPU ? PROCESS_BASE : 0));
    }
}
