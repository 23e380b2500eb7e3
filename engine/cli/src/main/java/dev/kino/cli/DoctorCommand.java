package dev.kino.cli;

import ai.onnxruntime.OrtProvider;
import dev.kino.KinoException;
import dev.kino.cli.doctor.CudaLibraries;
import dev.kino.cli.doctor.DeviceCheck;
import dev.kino.runtime.Gpus;
import dev.kino.commandline.DeviceOption;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code kino doctor}: what a studio runs first on a new box. It reports the versions, the providers in this
 * build, the CUDA libraries ONNX Runtime needs (found or missing, with the fix), the GPUs, the model's memory plan,
 * then generates a short video on the chosen device and on the CPU, compares them and times a step (fp32, and fp16
 * when given an fp16 package). A model the plan says does not fit a device is not loaded: that is the verdict. The output is one block to paste into a bug report. Exit 0 when the chosen device works, 1 when not.
 *
 * <p>The GPU path follows ONNX Runtime's documentation of its CUDA provider; it has been run only on CPU
 * machines so far (no GPU was available to the project).
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Check this machine for Kino: versions, providers, CUDA/cuDNN libraries, GPUs, a generation on "
                + "the chosen device compared with the CPU, fp32/fp16 step time. Prints a report to paste into a bug.")
final class DoctorCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, paramLabel = "DIR",
            description = "Model package to check with (default: the built-in demo model).")
    Path model;

    @Mixin
    DeviceOption device;

    @Option(names = "--steps", defaultValue = "4", description = "Denoising steps of the check (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--fp16-model", paramLabel = "DIR",
            description = "An fp16 export of the same model: its step time is reported beside fp32's.")
    Path fp16Model;

    @Option(names = "--memory", paramLabel = "SIZE",
            description = "Memory the device has for Kino (e.g. 24GB), for the memory plan (default: the GPU's free "
                    + "memory per nvidia-smi, or the machine's available memory for the CPU).")
    String memory;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (steps < 1 || steps > 100) {
            throw new KinoException("--steps must be between 1 and 100, but " + steps + " was given.");
        }
        Device asked = device.device();
        Path modelDir = ModelLocator.resolve(model);
        ModelPackage pkg = ModelPackage.open(modelDir);   // a bad --model fails here, in one sentence
        Long memoryBytes = memory == null ? null : MemoryReport.parseSize(memory);
        if (fp16Model != null) {
            ModelPackage.open(fp16Model);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("Kino doctor: paste everything between the lines into a bug report.");
        out.println("-".repeat(100));
        Runtime rt = Runtime.getRuntime();
        row(out, "Kino", version());
        row(out, "Java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                + System.getProperty("java.vm.name") + ", max heap " + gib(rt.maxMemory()));
        row(out, "OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " ("
                + System.getProperty("os.arch") + "), " + rt.availableProcessors() + " logical CPUs");
        EnumSet<OrtProvider> providers = OnnxRuntime.providersInBuild();
        boolean cudaBuild = providers.contains(OrtProvider.CUDA);
        row(out, "ONNX Runtime", OnnxRuntime.version() + "; providers in this build: "
                + providers.stream().map(OrtProvider::getName).collect(Collectors.joining(", "))
                + (cudaBuild ? "" : " (CPU only: mvn -Pcuda package builds the CUDA 12 one)"));
        row(out, "CUDA options", OnnxRuntime.cudaOptions().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", ")) + " (on CUDA sessions)");

        out.println("CUDA libraries (ONNX Runtime's CUDA 12 provider needs CUDA 12.x and cuDNN 9.x"
                + (cudaBuild ? "):" : "; this CPU-only build does not load them):"));
        int missing = 0;
        for (CudaLibraries.Library lib : CudaLibraries.probe()) {
            if (lib.found() && lib.onLoaderPath()) {
                out.printf(Locale.ROOT, "  %-18s found in %s%n", lib.file(), lib.foundIn());
            } else {
                missing++;
                out.printf(Locale.ROOT, "  %-18s %s: %s%n", lib.file(), lib.found() ? "not on the loader's path" : "MISSING",
                        lib.fix());
            }
        }
        out.println("GPUs (nvidia-smi):");
        Gpus.Listing gpus = Gpus.list();
        if (gpus.gpus().isEmpty()) {
            out.println("  none: " + gpus.problem());
        }
        for (Gpus.Gpu g : gpus.gpus()) {
            out.printf(Locale.ROOT, "  %d: %s, %,d MiB total, %,d MiB used, driver %s%n", g.index(), g.name(), g.totalMib(),
                    g.usedMib(), g.driver());
        }

        // The device: a CUDA problem is reported, not thrown, so the rest of the report still prints.
        String cudaProblem = asked.kind() == Device.Kind.CPU ? null : OnnxRuntime.cudaProblem(asked.kind() == Device.Kind.CUDA ? asked.index() : 0);
        Device chosen = asked.kind() == Device.Kind.CPU || cudaProblem != null ? Device.CPU
                : Device.cuda(asked.kind() == Device.Kind.CUDA ? asked.index() : 0);
        row(out, "Device", "--device " + asked + " -> " + (chosen.kind() == Device.Kind.CPU ? "CPU" : "CUDA GPU " + chosen.index())
                + (cudaProblem == null ? "" : " (CUDA: " + cudaProblem + ")"));

        // the plan is for the device asked for, even when it cannot be used here
        var d0 = pkg.manifest().defaults();
        Device planned = asked.kind() == Device.Kind.CUDA ? asked : chosen;
        List<String> plan = MemoryReport.lines(pkg, planned, memoryBytes, d0.width(), d0.height(), d0.frames());
        row(out, "Memory", plan.get(0));
        plan.subList(1, plan.size()).forEach(out::println);

        List<String> problems = new java.util.ArrayList<>();
        if (asked.kind() == Device.Kind.CUDA && cudaProblem != null) {
            problems.add("CUDA GPU " + asked.index() + " cannot be used: " + cudaProblem
                    + (missing > 0 ? " (see the missing libraries above)" : ""));
        }
        // the check loads the model on the CPU and on the device: one the plan says does not fit is not loaded
        // (on a big model that would take minutes and fail, or swap), the plan answers instead
        String tooBig = doesNotFit(pkg, planned, memoryBytes, Device.CPU, chosen);
        DeviceCheck.Run onDevice = null;
        if (tooBig != null) {
            row(out, "Check", "not run: " + pkg.manifest().name() + " at " + d0.width() + "x" + d0.height() + ", "
                    + d0.frames() + " frames does not fit " + tooBig + " (see Memory), so it was not loaded; "
                    + "kino doctor without --model checks the device with the built-in demo model");
            problems.add(pkg.manifest().name() + " does not fit " + tooBig);
        } else {
            GenerationRequest request = DeviceCheck.request(steps);
            DeviceCheck.Run cpu = DeviceCheck.generate(modelDir, Device.CPU, request);
            onDevice = chosen.kind() == Device.Kind.CPU ? DeviceCheck.generate(modelDir, Device.CPU, request)
                    : DeviceCheck.generate(modelDir, chosen, request);
            DeviceCheck.Difference d = DeviceCheck.compare(onDevice.result(), cpu.result());
            String what = onDevice.provider().isCuda() ? onDevice.provider().label() + " vs CPU" : "CPU vs CPU again (determinism)";
            row(out, "Check", String.format(Locale.ROOT, "%s, %d steps, seed 0, %s: latents rel. L2 %.1e, frames max diff %d/255"
                            + " (mean %.3f) -> %s", pkg.manifest().name(), steps, what, d.latentRelL2(), d.maxFrameDiff(),
                    d.meanFrameDiff(), d.withinTolerance() ? "OK" : "DIFFERENT (tolerance " + DeviceCheck.LATENT_TOLERANCE + ")"));
            String batch = pkg.manifest().denoiser().dynamicBatch() ? "cond + uncond in one batch" : "cond and uncond runs";
            row(out, "Step fp32", onDevice.provider().isCuda()
                    ? String.format(Locale.ROOT, "%.1f ms on %s, %.1f ms on CPU (median step, %s)", onDevice.medianStepMs(),
                            onDevice.provider().label(), cpu.medianStepMs(), batch)
                    : String.format(Locale.ROOT, "%.1f ms on CPU (median step, %s)", cpu.medianStepMs(), batch));
            if (fp16Model == null) {
                row(out, "Step fp16", "not measured: pass --fp16-model DIR, an fp16 export of the same model"
                        + " (models/export/export_wan.py --fp16)");
            } else {
                String fp16TooBig = doesNotFit(ModelPackage.open(fp16Model), planned, memoryBytes, chosen);
                if (fp16TooBig != null) {
                    row(out, "Step fp16", "not measured: the fp16 package does not fit " + fp16TooBig);
                } else {
                    DeviceCheck.Run half = DeviceCheck.generate(fp16Model, chosen, request);
                    DeviceCheck.Difference hd = DeviceCheck.compare(half.result(), onDevice.result());
                    row(out, "Step fp16", String.format(Locale.ROOT, "%.1f ms on %s (%.2fx fp32); latents rel. L2 to fp32 %.1e",
                            half.medianStepMs(), half.provider().label(), onDevice.medianStepMs() / half.medianStepMs(),
                            hd.latentRelL2()));
                }
            }
            if (!d.withinTolerance()) {
                problems.add(what + " differ beyond tolerance");
            }
        }
        row(out, "Verdict", problems.isEmpty() ? "OK: Kino runs on " + onDevice.provider().label()
                + (asked.kind() == Device.Kind.AUTO && cudaProblem != null ? " (no usable GPU, see Device)" : "")
                : "PROBLEM: " + String.join("; ", problems));
        out.println("-".repeat(100));
        out.flush();
        return problems.isEmpty() ? 0 : 1;
    }

    /**
     * The first of {@code devices} the package at its default size does not fit, in words ("the CPU's memory"),
     * or null when it fits them all or their memory is unknown. {@code memory} (--memory) is {@code planned}'s.
     */
    private static String doesNotFit(ModelPackage pkg, Device planned, Long memory, Device... devices) {
        var d = pkg.manifest().defaults();
        for (Device device : devices) {
            Boolean fits = MemoryReport.fits(pkg, device, device.equals(planned) ? memory : null,
                    d.width(), d.height(), d.frames());
            if (Boolean.FALSE.equals(fits)) {
                return device.kind() == Device.Kind.CPU ? "the CPU's memory" : "CUDA GPU " + device.index() + "'s memory";
            }
        }
        return null;
    }

    private static void row(PrintWriter out, String name, String value) {
        out.printf(Locale.ROOT, "%-13s %s%n", name, value);
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    private static String version() {
        String v = DoctorCommand.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }
}
