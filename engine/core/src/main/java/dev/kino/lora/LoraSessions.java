package dev.kino.lora;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.kino.KinoException;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.OnnxRuntime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens a model's denoiser graphs with LoRAs merged into their weights: one {@link LoraMerge} per expert graph,
 * kept for the life of the model so that its base weights are read from disk once, whatever LoRA sets follow.
 *
 * <p>Why merged sessions rather than low-rank branches switched per run (ONNX Runtime's {@code OrtLoraAdapter}):
 * a merged step costs exactly what the plain model's step costs, and Kino's exported graphs have no LoRA
 * inputs to switch; see docs/lora.md for the measured load, step and switch times.
 */
public final class LoraSessions {
    private final OnnxRuntime runtime;
    private final List<Path> graphs;
    private final List<LoraMerge> merges = new ArrayList<>();

    /** For the expert graphs {@code graphs} (one for a plain model), high noise first. */
    public LoraSessions(OnnxRuntime runtime, List<Path> graphs) {
        this.runtime = runtime;
        this.graphs = List.copyOf(graphs);
    }

    /** Reads and checks every LoRA file against every expert it applies to; throws before anything opens. */
    public List<LoraFile> check(List<Lora> loras) {
        if (loras.stream().anyMatch(l -> l.expert() != null && l.expert() >= graphs.size())) {
            throw new KinoException("A LoRA is given for the " + (graphs.size() == 1 ? "second" : "third")
                    + " expert, but this model has " + graphs.size() + " denoiser graph"
                    + (graphs.size() == 1 ? "" : "s") + "; drop the :high/:low suffix.");
        }
        List<LoraFile> files = new ArrayList<>();
        for (Lora l : loras) {
            files.add(LoraFile.read(l.file()));
        }
        for (int e = 0; e < graphs.size(); e++) {
            merge(e).check(loras, files, e);   // mapping and shape errors surface here, before any session
        }
        return files;
    }

    private synchronized LoraMerge merge(int expert) {
        while (merges.size() <= expert) {
            merges.add(new LoraMerge(graphs.get(merges.size())));
        }
        return merges.get(expert);
    }

    /**
     * One session per expert with {@code loras} merged in; an expert no LoRA changes opens with the file's own
     * weights. The caller closes the models.
     */
    public List<OnnxModel> open(List<Lora> loras, List<String> roles) {
        List<LoraFile> files = read(loras);
        List<OnnxModel> opened = new ArrayList<>();
        try {
            for (int e = 0; e < graphs.size(); e++) {
                opened.add(open(loras, files, e, roles.get(e)));
            }
            return opened;
        } catch (RuntimeException ex) {
            opened.forEach(OnnxModel::close);
            throw ex;
        }
    }

    /**
     * The session of expert {@code expert} alone with {@code loras} merged in (one expert at a time: the same
     * LoRA set merged again each time the expert is reopened). The caller closes it.
     */
    public OnnxModel openExpert(List<Lora> loras, int expert, String role) {
        return open(loras, read(loras), expert, role);
    }

    private static List<LoraFile> read(List<Lora> loras) {
        List<LoraFile> files = new ArrayList<>();
        for (Lora l : loras) {
            files.add(LoraFile.read(l.file()));
        }
        return files;
    }

    private OnnxModel open(List<Lora> loras, List<LoraFile> files, int e, String role) {
        Map<String, OnnxTensor> weights = new LinkedHashMap<>();
        try {   // each merged weight goes off-heap as soon as it is made
            merge(e).merge(loras, files, e, m -> weights.put(m.name(), tensor(runtime.env(), m)));
        } catch (RuntimeException ex) {
            weights.values().forEach(OnnxTensor::close);
            throw ex;
        }
        return runtime.open(graphs.get(e), role, weights);
    }

    /** A direct (off-heap) tensor ONNX Runtime can use in place, in the graph's element type. */
    static OnnxTensor tensor(OrtEnvironment env, LoraMerge.Merged m) {
        float[] v = m.values();
        ByteBuffer bytes = ByteBuffer.allocateDirect(v.length * (m.float16() ? 2 : 4)).order(ByteOrder.nativeOrder());
        try {
            if (m.float16()) {
                ShortBuffer s = bytes.asShortBuffer();
                for (float x : v) {
                    s.put(Fp16Conversions.floatToFp16(x));
                }
                return OnnxTensor.createTensor(env, bytes.asShortBuffer(), m.shape(), OnnxJavaType.FLOAT16);
            }
            bytes.asFloatBuffer().put(v);
            return OnnxTensor.createTensor(env, bytes.asFloatBuffer(), m.shape());
        } catch (OrtException e) {
            throw new KinoException("ONNX Runtime cannot hold the merged LoRA weight " + m.name() + ": "
                    + e.getMessage() + ".", e);
        }
    }
}
