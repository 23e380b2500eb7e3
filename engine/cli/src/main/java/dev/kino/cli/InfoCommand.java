package dev.kino.cli;

import dev.kino.commandline.DeviceOption;
import dev.kino.commandline.VideoSizeOptions;
import dev.kino.model.FixedShapes;
import dev.kino.model.Manifest;
import dev.kino.model.ModelPackage;
import dev.kino.model.PackageSignatures;
import dev.kino.model.Weights;
import dev.kino.runtime.Device;
import dev.kino.runtime.GraphSignature;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.runtime.Port;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kino info}: what a model package holds and how Kino would run it. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a model package: its manifest, the ONNX input/output signatures and the execution provider.")
final class InfoCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, paramLabel = "DIR", description = "Model package folder (holds kino.json; default: the built-in demo model).")
    Path model;

    @Mixin
    DeviceOption device;

    @Mixin
    VideoSizeOptions size;

    @Option(names = "--memory", paramLabel = "SIZE",
            description = "Memory the device has for Kino (e.g. 24GB): the memory plan says whether the video fits it "
                    + "(default: the GPU's free memory per nvidia-smi, or the machine's available memory for the CPU).")
    String memory;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelPackage pkg = ModelPackage.open(ModelLocator.resolve(model));
        // from the files' headers, no session: a model of any size is described without loading it, and a manifest
        // that disagrees with its graphs is refused before anything is printed
        PackageSignatures graphs = PackageSignatures.read(pkg);
        Long memoryBytes = memory == null ? null : MemoryReport.parseSize(memory);
        Device asked = device.device();
        // planning for a GPU needs no GPU (nothing below opens a session): a GPU that cannot be used is only reported
        String cudaProblem = asked.kind() == Device.Kind.CUDA ? OnnxRuntime.cudaProblem(asked.index()) : null;
        OnnxRuntime runtime = OnnxRuntime.create(cudaProblem == null ? asked : Device.CPU);
        Manifest m = pkg.manifest();
        out.println("Model      " + m.name() + (m.description().isEmpty() ? "" : " — " + m.description()));
        out.println("Folder     " + pkg.dir());
        out.println("Provider   " + runtime.provider().label() + " (" + runtime.provider().reason() + ")"
                + (cudaProblem == null ? "" : "; CUDA GPU " + asked.index() + " cannot be used here (" + cudaProblem
                + "): the memory plan below is for the GPU"));
        Manifest.Latent l = m.latent();
        Manifest.Defaults d = m.defaults();
        out.println("Latents    " + l.channels() + " channels, " + l.spatialCompression() + "x spatial and "
                + l.temporalCompression() + "x temporal compression; frames: " + l.frameRule()
                + "; sizes: multiples of " + l.sizeMultiple() + " px");
        out.println("Defaults   " + d.width() + "x" + d.height() + ", " + d.frames() + " frames at " + d.fps() + " fps, "
                + d.steps() + " steps, guidance " + d.guidance()
                + (d.negativePrompt().isEmpty() ? "" : ", negative prompt \"" + d.negativePrompt() + "\""));
        List<Manifest.TextEncoder> texts = m.textEncoders();
        for (int i = 0; i < texts.size(); i++) {
            out.println((i == 0 ? "Text       " : "           ") + describe(texts.get(i), i));
        }
        out.println("Denoiser   predicts " + m.denoiser().predictionType().manifestName() + ", timesteps "
                + m.denoiser().timestepDtype() + (m.denoiser().dynamicBatch() ? ", cond+uncond in one batch" : ", batch of 1"));
        if (m.denoiser().experts().size() > 1) {
            int steps = m.scheduler().trainTimesteps();
            StringBuilder sb = new StringBuilder("Experts    ");
            for (Manifest.Expert e : m.denoiser().experts()) {
                sb.append(e.file()).append(" for t >= ").append(String.format("%.0f", e.boundaryRatio() * steps))
                        .append(e.guidance() == null ? "" : " (guidance " + e.guidance() + ")").append("; ");
            }
            out.println(sb.substring(0, sb.length() - 2) + " (the first that applies runs)");
        }
        out.println("Pictures   " + Fits.describe(m));
        out.println("Videos     " + (m.videoEncoder() == null ? "none (no VAE encoder: re-export with it for --source-video)"
                : "--source-video (video-to-video)" + (m.denoiser().control() == null ? ""
                : "; Wan VACE: --reference-image, --control-video, --mask-video, --conditioning-scale ("
                + m.denoiser().control().layers() + " VACE layers)")));
        out.println("Scheduler  " + m.scheduler().className() + " " + withoutClassName(m.scheduler().asMap()));
        if (m.sampling() != null && m.sampling().sigmas() != null) {
            out.println("Sampling   sigmas linspace(1, 0, steps + 1) without the last, then the scheduler's shift");
        } else if (m.sampling() != null) {
            out.println("Sampling   as " + m.sampling().pipeline() + (m.sampling().timesteps() == null
                    ? " (linear-quadratic timesteps)" : ": its own timesteps " + java.util.Arrays.toString(
                    m.sampling().timesteps()) + " for " + m.sampling().timesteps().length
                    + " steps, linear-quadratic for other counts"));
        }
        out.println("VAE        " + m.vae().kind().key() + (m.vae().latentsMean() != null ? ", per-channel latents mean/std"
                : ", scaling factor " + m.vae().scalingFactor() + ", shift " + m.vae().shiftFactor())
                + (m.vae().injectedNoise().isEmpty() ? "" : ", " + m.vae().injectedNoise().size()
                + " noise planes injected in the decoder (drawn from the run's generator)"));
        Device planned = cudaProblem != null ? asked : runtime.provider().device();
        List<String> plan = MemoryReport.lines(pkg, planned, memoryBytes,
                size.width() == null ? d.width() : size.width(), size.height() == null ? d.height() : size.height(),
                size.frames() == null ? d.frames() : size.frames());
        out.println("Memory     " + plan.get(0));
        plan.subList(1, plan.size()).forEach(out::println);
        out.println("Files");
        for (Map.Entry<String, String> f : m.files().entrySet()) {
            out.printf("  %-22s %s (%s)%n", f.getKey(), f.getValue(), size(pkg.resolve(f.getValue())));
        }
        out.println("Signatures (checked against the manifest: OK)");
        for (int i = 0; i < texts.size(); i++) {
            describe(out, graphs.textEncoders().get(i), texts.get(i).precision(), texts.get(i).weights());
        }
        for (GraphSignature g : graphs.denoisers()) {
            describe(out, g, m.denoiser().precision(), m.denoiser().weights());
        }
        describe(out, graphs.vae(), m.vae().precision(), m.vae().weights());
        if (graphs.vaeNext() != null) {
            describe(out, graphs.vaeNext(), m.vae().precision(), m.vae().weights());
        }
        // the VAE encoder and image encoder are never converted: their weights are as exported
        graphs.conditioning().forEach(g -> describe(out, g, m.vae().precision(), null));
        // the manifest's frame and size rules cannot say this; the graphs' shapes do (the rule planning uses)
        FixedShapes.fixedInput(m, graphs).ifPresent(fixed -> out.println("Fixed size " + fixed
                + " only: the model makes " + d.width() + "x" + d.height() + ", " + d.frames() + " frames"));
        return 0;
    }

    /** One text encoder in a line: its files, what it reads of the prompt, its length, where its output goes. */
    private static String describe(Manifest.TextEncoder t, int index) {
        StringBuilder sb = new StringBuilder();
        sb.append(index + 1).append(". ").append(t.file()).append(" with ").append(t.tokenizer()).append(": ");
        if (t.quoted() != null) {
            sb.append("the prompt's quoted text (as \"").append(t.quoted().each()).append("\"; none: zeros)");
        } else if (t.template() != null) {
            sb.append("the prompt in a template (").append(t.cropStart()).append(" head tokens cropped)");
        } else {
            sb.append(t.cleanPrompt() ? "the cleaned prompt" : "the prompt");
        }
        sb.append(", ").append(t.maxLength()).append(" tokens");
        if (t.layer() != 0) {
            sb.append(", hidden state ").append(t.layer());
        }
        sb.append(" -> ").append(t.denoiserInput() == null ? "text embeddings" : t.denoiserInput()
                + (t.denoiserMask() == null ? "" : " + " + t.denoiserMask()));
        return sb.toString();
    }

    private static Map<String, Object> withoutClassName(Map<String, Object> config) {
        Map<String, Object> copy = new java.util.LinkedHashMap<>(config);
        copy.keySet().removeIf(k -> k.startsWith("_"));
        return copy;
    }

    private static void describe(PrintWriter out, GraphSignature g, Manifest.Precision precision, Weights weights) {
        out.println("  " + g.role() + " (" + g.file().getFileName() + ", " + precision.name().toLowerCase(java.util.Locale.ROOT)
                + " in/out" + (weights == null ? "" : ", " + weights.describe()) + ")");
        if (weights != null && !weights.keptFp32().isEmpty()) {
            out.println("    kept fp32: " + String.join(", ", weights.keptFp32()));
        }
        for (Port p : g.inputs().values()) {
            out.println("    in   " + p.describe());
        }
        for (Port p : g.outputs().values()) {
            out.println("    out  " + p.describe());
        }
    }

    /** Size of an ONNX file plus its external data beside it. */
    private static String size(Path file) {
        try {
            long bytes = Files.size(file);
            Path data = file.resolveSibling(file.getFileName() + "_data");
            String extra = "";
            if (Files.exists(data)) {
                bytes += Files.size(data);
                extra = " with external data";
            }
            return bytes < 1 << 20 ? String.format("%.1f KB%s", bytes / 1024.0, extra)
                    : String.format("%.1f MB%s", bytes / 1048576.0, extra);
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
