package dev.kino.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.kino.KinoException;
import dev.kino.tensor.FloatTensor;

import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An open ONNX Runtime session for one graph of a model package, with its declared signature and the time
 * spent inside {@code run} (so the engine can report its own overhead apart from the model's).
 */
public final class OnnxModel implements AutoCloseable {
    private final String role;
    private final Path file;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final Map<String, Port> inputs;
    private final Map<String, Port> outputs;
    private final java.util.List<OnnxTensor> ownWeights;
    private long runNanos;
    private long runCount;

    OnnxModel(String role, Path file, OrtEnvironment env, OrtSession session) throws OrtException {
        this(role, file, env, session, java.util.List.of());
    }

    OnnxModel(String role, Path file, OrtEnvironment env, OrtSession session,
              java.util.Collection<OnnxTensor> ownWeights) throws OrtException {
        this.ownWeights = java.util.List.copyOf(ownWeights);
        this.role = role;
        this.file = file;
        this.env = env;
        this.session = session;
        this.inputs = ports(session.getInputInfo());
        this.outputs = ports(session.getOutputInfo());
    }

    private static Map<String, Port> ports(Map<String, NodeInfo> infos) {
        Map<String, Port> ports = new LinkedHashMap<>();
        for (NodeInfo info : infos.values()) {
            if (info.getInfo() instanceof TensorInfo t) {
                ports.put(info.getName(), new Port(info.getName(), t.type, t.getShape(), t.getDimensionNames()));
            }
        }
        return ports;
    }

    /** What the graph is in the package (e.g. {@code denoiser}), for messages. */
    public String role() {
        return role;
    }

    /** The ONNX file. */
    public Path file() {
        return file;
    }

    /** The declared inputs and outputs, as {@link GraphSignature#read} reads them from the file. */
    public GraphSignature signature() {
        return new GraphSignature(role, file, inputs, outputs);
    }

    /** The graph's inputs by name. */
    public Map<String, Port> inputs() {
        return inputs;
    }

    /** The graph's outputs by name. */
    public Map<String, Port> outputs() {
        return outputs;
    }

    /** Allocates a reusable tensor of {@code shape} with the element type the graph declares for {@code port}. */
    public TensorSlot slot(Port port, long[] shape) {
        return TensorSlot.allocate(env, port.type(), shape);
    }

    /**
     * Runs the graph, writing {@code outputs} into caller-owned (pinned) tensors so no output buffers are
     * allocated per call. ORT Java has no IOBinding: inputs are copied to the device and outputs back on each run.
     */
    public void run(Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> outputs) {
        long start = System.nanoTime();
        try (OrtSession.Result ignored = session.run(inputs, outputs)) {
            // outputs were written into the pinned tensors
        } catch (OrtException e) {
            throw new KinoException("The " + role + " failed to run (" + file.getFileName() + "): "
                    + OnnxRuntime.firstLine(e.getMessage()) + ".", e);
        } finally {
            runNanos += System.nanoTime() - start;
            runCount++;
        }
    }

    /**
     * Runs the graph once and returns one float output as float32 (fp16 outputs are converted). For graphs
     * that run a few times per generation (text encoder, VAE), where the output shape is the graph's to say.
     */
    public FloatTensor runForOutput(Map<String, OnnxTensor> inputs, String output) {
        try (OrtSession.Result result = runAll(inputs, Set.of(output))) {
            return toFloats((OnnxTensor) result.get(0), output);
        }
    }

    /**
     * Runs the graph and hands back the requested outputs as native tensors the caller closes; a step graph
     * feeds them straight into its next run (a causal VAE's caches) without copying them into Java arrays.
     */
    public OrtSession.Result runAll(Map<String, OnnxTensor> inputs, Set<String> outputs) {
        long start = System.nanoTime();
        try {
            return session.run(inputs, outputs);
        } catch (OrtException e) {
            throw new KinoException("The " + role + " failed to run (" + file.getFileName() + "): "
                    + OnnxRuntime.firstLine(e.getMessage()) + ".", e);
        } finally {
            runNanos += System.nanoTime() - start;
            runCount++;
        }
    }

    /** A float32 copy of a float or float16 output tensor. */
    public FloatTensor toFloats(OnnxTensor tensor, String output) {
        long[] shape = tensor.getInfo().getShape();
        float[] data = new float[Math.toIntExact(FloatTensor.numel(shape))];
        switch (tensor.getInfo().type) {
            case FLOAT -> tensor.getFloatBuffer().get(data);
            case FLOAT16 -> {
                ShortBuffer half = tensor.getShortBuffer();
                for (int i = 0; i < data.length; i++) {
                    data[i] = Fp16Conversions.fp16ToFloat(half.get(i));
                }
            }
            default -> throw new KinoException("The " + role + " output " + output + " is "
                    + Port.typeName(tensor.getInfo().type) + "; Kino expects float32 or float16.");
        }
        return new FloatTensor(shape, data);
    }

    /** Nanoseconds spent inside ONNX Runtime's run since the model was opened. */
    public long runNanos() {
        return runNanos;
    }

    /** ONNX Runtime run calls since the model was opened. */
    public long runCount() {
        return runCount;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the " + role + " session failed", e);
        } finally {
            ownWeights.forEach(OnnxTensor::close);   // replaced weights live as long as the session
        }
    }
}
