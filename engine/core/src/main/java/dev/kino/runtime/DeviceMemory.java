package dev.kino.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The memory a device has free now: what Linux reports available for the CPU (or less, under a cgroup's memory
 * limit), what nvidia-smi reports free
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

    /**
     * The free memory of {@code device} ({@link Device#AUTO} counts as the first GPU). For the CPU, the machine's
     * available memory, or less where this process's cgroup (a container, a YARN or Kubernetes executor) limits it.
     */
    public static Free free(Device device) {
        if (device.kind() == Device.Kind.CPU) {
            long available = 0;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                    if (line.startsWith("MemAvailable:")) {
                        available = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return new Free(0, "this system does not say how much memory is free");   // not Linux
            }
            long room;
            try {
                room = cgroupRoom(Path.of("/sys/fs/cgroup"), Files.readAllLines(Path.of("/proc/self/cgroup")));
            } catch (IOException e) {
                room = Long.MAX_VALUE;
            }
            return room < available ? new Free(room, "room under this process's cgroup memory limit")
                    : new Free(available, available > 0 ? "MemAvailable of this machine"
                    : "this system does not say how much memory is free");
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
     * The room left under the memory limit of the cgroup {@code selfCgroup} ({@code /proc/self/cgroup}'s lines)
     * names, below {@code sysfs} ({@code /sys/fs/cgroup}; cgroup v2, else v1's memory controller): the limit less
     * the usage, whose inactive page cache the kernel reclaims first; {@link Long#MAX_VALUE} when unlimited or
     * unknown. Inside a container the named path may not be mounted: its hierarchy's root is the container's.
     */
    static long cgroupRoom(Path sysfs, List<String> selfCgroup) {
        for (String line : selfCgroup) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            String rel = f[2].replaceFirst("^/+", "");
            if (f[0].equals("0") && f[1].isEmpty() && Files.isRegularFile(sysfs.resolve("cgroup.controllers"))) {
                long room = room(sysfs, rel, "memory.max", "memory.current", "inactive_file");
                if (room != Long.MAX_VALUE) {
                    return room;
                }
            } else if (List.of(f[1].split(",")).contains("memory")) {
                return room(sysfs.resolve("memory"), rel, "memory.limit_in_bytes", "memory.usage_in_bytes",
                        "total_inactive_file");
            }
        }
        return Long.MAX_VALUE;
    }

    private static long room(Path hierarchy, String rel, String limitFile, String usageFile, String inactiveKey) {
        Path dir = Files.isRegularFile(hierarchy.resolve(rel).resolve(limitFile)) ? hierarchy.resolve(rel) : hierarchy;
        try {
            String limit = Files.readString(dir.resolve(limitFile)).strip();
            if (limit.equals("max") || Long.parseLong(limit) >= 1L << 60) {   // v1 writes "no limit" as ~2^63
                return Long.MAX_VALUE;
            }
            long usage = Long.parseLong(Files.readString(dir.resolve(usageFile)).strip());
            long inactive = 0;
            if (Files.isRegularFile(dir.resolve("memory.stat"))) {
                for (String s : Files.readAllLines(dir.resolve("memory.stat"))) {
                    if (s.startsWith(inactiveKey + " ")) {
                        inactive = Long.parseLong(s.substring(inactiveKey.length() + 1).strip());
                    }
                }
            }
            return Math.max(0, Long.parseLong(limit) - Math.max(0, usage - inactive));
        } catch (IOException | NumberFormatException e) {
            return Long.MAX_VALUE;
        }
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
