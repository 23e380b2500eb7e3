package dev.kino.sweep.measure;

import ai.onnxruntime.OrtEnvironment;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.ExecutionProvider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine and software a run was measured on, recorded with every result so that figures from
 * different boxes or builds are never mixed up unnoticed.
 *
 * @param os                 operating system name and version
 * @param arch               CPU architecture
 * @param cpu                CPU model name from /proc/cpuinfo (null where unknown)
 * @param logicalCores       processors the JVM sees
 * @param memoryBytes        physical memory from /proc/meminfo (null where unknown)
 * @param java               Java runtime version and vendor
 * @param kino               Kino engine version (the jar's), or "development build"
 * @param onnxRuntime        ONNX Runtime version
 * @param executionProvider  where the graphs ran, e.g. "CPU" or "CUDA (GPU 0)"
 * @param gpu                the GPU's name on CUDA runs, else null
 */
public record MachineInfo(String os, String arch, String cpu, int logicalCores, Long memoryBytes, String java,
                          String kino, String onnxRuntime, String executionProvider, String gpu) {

    public static MachineInfo collect(ExecutionProvider provider) {
        String kino = TextToVideoPipeline.class.getPackage().getImplementationVersion();
        Long memKb = procField(Path.of("/proc/meminfo"), "MemTotal");
        return new MachineInfo(
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("os.arch"),
                procText(Path.of("/proc/cpuinfo"), "model name"),
                Runtime.getRuntime().availableProcessors(),
                memKb == null ? null : memKb * 1024,
                System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
                kino == null ? "development build" : kino,
                OrtEnvironment.getEnvironment().getVersion(),
                provider.label(),
                GpuMemory.gpuName(provider));
    }

    private static String procText(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                    return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static Long procField(Path file, String key) {
        String v = procText(file, key);
        if (v == null) {
            return null;
        }
        try {
            return Long.parseLong(v.split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
