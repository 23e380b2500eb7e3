package dev.kino.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import dev.kino.KinoException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one ONNX Runtime environment of the process and the choice of execution provider.
 *
 * <p>Sessions are expensive to create (graph optimisation, weight upload to the GPU), so the pipeline opens
 * each graph once and keeps it open across steps and generations; {@link OnnxModel#close()} frees its native
 * memory deterministically.
 */
public final class OnnxRuntime {
    private final OrtEnvironment env;
    private final ExecutionProvider provider;
    private final int cpuThreads;

    private OnnxRuntime(OrtEnvironment env, ExecutionProvider provider, int cpuThreads) {
        this.env = env;
        this.provider = provider;
        this.cpuThreads = cpuThreads;
    }

    /** Resolves {@code device} to a provider that loads here; {@code auto} falls back to the CPU and says why. */
    public static OnnxRuntime create(Device device) {
        return create(device, 0);
    }

    /** As {@link #create(Device)}; {@code cpuThreads} &gt; 0 caps ONNX Runtime's intra-op threads. */
    public static OnnxRuntime create(Device device, int cpuThreads) {
        OrtEnvironment env = OrtNative.environment(); // first: every other ONNX Runtime call loads the library
        return new OnnxRuntime(env, resolve(device), cpuThreads);
    }

    /** ONNX Runtime's environment, shared by every session. */
    public OrtEnvironment env() {
        return env;
    }

    /** Where sessions opened here run, and why. */
    public ExecutionProvider provider() {
        return provider;
    }

    /** Opens an ONNX file (external-data files beside it are found by ONNX Runtime). */
    public OnnxModel open(Path file, String role) {
        return open(file, role, Map.of());
    }

    /**
     * Opens an ONNX file with some of its weights replaced ({@code SessionOptions.addExternalInitializers}: a
     * LoRA merged into them). The model owns {@code weights} from here on and closes them with its session
     * (ONNX Runtime may use their memory in place for as long as the session lives).
     */
    public OnnxModel open(Path file, String role, Map<String, OnnxTensor> weights) {
        return open(file, null, role, weights);
    }

    /**
     * As {@link #open(Path, String, Map)}, from {@code graph}: the bytes of {@code file} with some inline weights
     * changed (null: the file as it is). External-data files are still found beside {@code file}.
     */
    public OnnxModel open(Path file, byte[] graph, String role, Map<String, OnnxTensor> weights) {
        if (!Files.isRegularFile(file)) {
            weights.values().forEach(OnnxTensor::close);
            throw new KinoException("The " + role + " file " + file + " does not exist; check the model package.");
        }
        try (OrtSession.SessionOptions options = sessionOptions(provider.device(), cpuThreads)) {
            if (!weights.isEmpty()) {
                options.addExternalInitializers(new LinkedHashMap<String, OnnxTensorLike>(weights));
            }
            OrtSession session;
            if (graph == null) {
                session = env.createSession(file.toString(), options);
            } else {
                Path folder = file.toAbsolutePath().getParent();
                options.addConfigEntry("session.model_external_initializers_file_folder_path", folder.toString());
                session = env.createSession(graph, options);
            }
            return new OnnxModel(role, file, env, session, weights.values());
        } catch (OrtException e) {
            weights.values().forEach(OnnxTensor::close);
            String missing = missingFile(String.valueOf(e.getMessage()));
            if (missing != null) {
                throw new KinoException("The " + role + " " + file.getFileName() + " keeps its weights in " + missing
                        + ", which is missing; copy that file into " + file.getParent() + " beside it.", e);
            }
            throw new KinoException("ONNX Runtime cannot load the " + role + " " + file + ": "
                    + firstLine(e.getMessage()).replaceFirst("^Error code - \\w+ - message: ", "")
                    + ". Re-export the model or check that its .onnx_data file sits beside it.", e);
        }
    }

    /** The version of the native ONNX Runtime library Kino runs on. */
    public static String version() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    /** The execution providers compiled into this build of ONNX Runtime (CPU always; CUDA with {@code -Pcuda}). */
    public static EnumSet<OrtProvider> providersInBuild() {
        return OrtEnvironment.getAvailableProviders();
    }

    /** Null when ONNX Runtime's CUDA provider loads for GPU {@code index} here, else why not (one clause). */
    public static String cudaProblem(int index) {
        return cudaFailure(index);
    }

    /**
     * The CUDA provider options Kino sets, by ONNX Runtime's names. Why each (ONNX Runtime's documentation of
     * {@code OrtCUDAProviderOptions} / the CUDA execution provider):
     * <ul>
     * <li>{@code cudnn_conv_algo_search=EXHAUSTIVE}: benchmark every cuDNN convolution algorithm once per shape
     *     ({@code cudnnFindConvolutionForwardAlgorithmEx}) and keep the fastest. The first run is slower, but a
     *     session runs the same shapes for every denoising step and every VAE frame, so the search pays back
     *     within a generation. (ONNX Runtime's default too; set so it cannot drift.)</li>
     * <li>{@code arena_extend_strategy=kSameAsRequested}: grow the GPU memory arena by what is asked, not to the
     *     next power of two (the default). Video activations are large: rounding a 5 GiB request up to 8 GiB
     *     would fail a generation that fits. The cost is more, smaller extensions during the first step.</li>
     * <li>{@code do_copy_in_default_stream=1}: copy inputs and outputs on the compute stream. The documented
     *     alternative (separate copy streams) "may result in data races for some models"; Kino copies a step's
     *     latents in and the prediction out around each run, so there is no copy to overlap with compute.</li>
     * </ul>
     */
    public static Map<String, String> cudaOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("cudnn_conv_algo_search", "EXHAUSTIVE");
        options.put("arena_extend_strategy", "kSameAsRequested");
        options.put("do_copy_in_default_stream", "1");
        return options;
    }

    private static ExecutionProvider resolve(Device device) {
        if (device.kind() == Device.Kind.CPU) {
            return new ExecutionProvider(Device.CPU, "requested");
        }
        int index = device.kind() == Device.Kind.CUDA ? device.index() : 0;
        String failure = cudaFailure(index);
        if (failure == null) {
            return new ExecutionProvider(Device.cuda(index), device.kind() == Device.Kind.AUTO
                    ? "auto: the CUDA provider loaded" : "requested");
        }
        if (device.kind() == Device.Kind.CUDA) {
            throw new KinoException("The CUDA device " + device + " cannot be used: " + failure
                    + ". Build Kino with -Pcuda on a machine with CUDA 12 and cuDNN 9, or pass --device cpu.");
        }
        return new ExecutionProvider(Device.CPU, "auto: " + failure);
    }

    /** Null when the CUDA provider loads for GPU {@code index}, else why not. */
    private static String cudaFailure(int index) {
        EnumSet<OrtProvider> available = OrtEnvironment.getAvailableProviders();
        if (!available.contains(OrtProvider.CUDA)) {
            return "this build of ONNX Runtime has no CUDA provider (the default build is CPU-only)";
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.addCUDA(index);
            return null;
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            return "the CUDA provider did not load (" + firstLine(String.valueOf(e.getMessage())) + ")";
        }
    }

    private static OrtSession.SessionOptions sessionOptions(Device device, int cpuThreads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        // ONNX Runtime logs its own errors before Kino's sentence; --verbose shows them.
        options.setSessionLogLevel(NativeLogs.verbose() ? ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING
                : ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (cpuThreads > 0) {
            options.setIntraOpNumThreads(cpuThreads);
        }
        if (device.kind() == Device.Kind.CUDA) {
            try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(device.index())) {
                for (Map.Entry<String, String> e : cudaOptions().entrySet()) {
                    cuda.add(e.getKey(), e.getValue());
                }
                options.addCUDA(cuda);
            }
        }
        return options;
    }

    /** The file an ONNX Runtime load error says does not exist (an external-data file), or null. */
    static String missingFile(String message) {
        // ONNX Runtime up to 1.24: "... No such file or directory [PATH]"; 1.29 validates the path first:
        // "External data path does not exist: \"PATH\""
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("No such file or directory \\[([^\\]]+)\\]|External data path does not exist: \"([^\"]+)\"")
                .matcher(message);
        return !m.find() ? null : m.group(1) != null ? m.group(1) : m.group(2);
    }

    static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
