package dev.kino.sweep.measure;

import dev.kino.runtime.ExecutionProvider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * GPU memory on CUDA runs, as {@code nvidia-smi} reports it: ONNX Runtime's Java API does not expose its
 * device allocations. Read after the run, this is the memory the process holds on the GPU then; ONNX
 * Runtime's CUDA arena keeps what it grew to, so it is close to the peak of every run so far in the process
 * (not of this run alone). In containers nvidia-smi often cannot see the process's PID; the whole GPU's used
 * memory is reported then, and the method says so. CPU runs record it as absent.
 */
public final class GpuMemory {
    private GpuMemory() {
    }

    /** Bytes on the GPU, or null with why not. */
    public record Reading(Long bytes, String method) {
    }

    public static Reading sample(ExecutionProvider provider) {
        if (!provider.isCuda()) {
            return new Reading(null, "absent: the run used the CPU");
        }
        long pid = ProcessHandle.current().pid();
        List<String> apps = nvidiaSmi("--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits");
        if (apps == null) {
            return new Reading(null, "absent: nvidia-smi is not available");
        }
        long mib = -1;
        for (String line : apps) {
            String[] parts = line.split(",");
            if (parts.length == 2 && parts[0].trim().equals(Long.toString(pid))) {
                mib = Math.max(mib, 0) + parseOr(parts[1], 0);
            }
        }
        if (mib >= 0) {
            return new Reading(mib * 1024 * 1024, "nvidia-smi: this process's GPU memory after the run");
        }
        List<String> used = nvidiaSmi("--query-gpu=memory.used", "--format=csv,noheader,nounits",
                "--id=" + provider.device().index());
        if (used == null || used.isEmpty()) {
            return new Reading(null, "absent: nvidia-smi lists neither this process nor the GPU");
        }
        return new Reading(parseOr(used.get(0), 0) * 1024 * 1024,
                "nvidia-smi: whole GPU's used memory after the run (this process's PID is not visible)");
    }

    /** The GPU's name for the machine description, or null. */
    public static String gpuName(ExecutionProvider provider) {
        if (!provider.isCuda()) {
            return null;
        }
        List<String> names = nvidiaSmi("--query-gpu=name", "--format=csv,noheader", "--id=" + provider.device().index());
        return names == null || names.isEmpty() ? null : names.get(0).trim();
    }

    private static long parseOr(String s, long fallback) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** The output lines of nvidia-smi, or null when it is missing or fails. */
    private static List<String> nvidiaSmi(String... args) {
        List<String> command = new ArrayList<>();
        command.add("nvidia-smi");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return null;
            }
            return out.lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
