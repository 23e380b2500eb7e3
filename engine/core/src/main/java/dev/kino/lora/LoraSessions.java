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
 * kept for the life of the model (its weights table and node scopes are read once; the base values of the
 * weights a LoRA set touches are read again, from the page cache, at each switch).
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
        List<LoraMerge.Merged> inline = new ArrayList<>();
        try {   // each merged weight goes off-heap as soon as it is made
            merge(e).merge(loras, files, e, m -> {
                if (m.inlineAt() >= 0) {
                    inline.add(m);
                } else {
                    weights.put(m.name(), tensor(runtime.env(), m));
                }
            });
        } catch (RuntimeException ex) {
            weights.values().forEach(OnnxTensor::close);
            throw ex;
        }
        return inline.isEmpty() ? runtime.open(graphs.get(e), role, weights)
                : runtime.open(graphs.get(e), patched(graphs.get(e), inline), role, weights);
    }

    /**
     * The graph file's bytes with the merged values of weights it holds inline written over the originals
     * (same type and shape, so the same length: no protobuf is re-encoded). Small graphs keep their weights
     * inline (the demo model's 10 MB denoiser), and ONNX Runtime replaces only external initializers.
     */
    static byte[] patched(Path graph, List<LoraMerge.Merged> inline) {
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(graph);
        } catch (java.io.IOException ex) {
            throw new KinoException("Kino cannot read " + graph + " (" + ex.getMessage() + ").", ex);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (LoraMerge.Merged m : inline) {
            b.position(Math.toIntExact(m.inlineAt()));
            if (m.raw() != null) {
                b.put(m.raw());
                continue;
            }
            for (float x : m.values()) {
                if (m.float16()) {
                    b.putShort(Fp16Conversions.floatToFp16(x));
                } else {
                    b.putFloat(x);
                }
            }
        }
        return bytes;
    }

    /** A direct (off-heap) tensor ONNX Runtime can use in place, in the graph's element type. */
    static OnnxTensor tensor(OrtEnvironment env, LoraMerge.Merged m) {
        if (m.raw() != null) {   // int8 (3), uint8 (2) or bfloat16 (16) bytes as the graph stores them
            ByteBuffer raw = ByteBuffer.allocateDirect(m.raw().length).order(ByteOrder.nativeOrder());
            raw.put(m.raw()).flip();
            try {
                if (m.rawType() == 16) {
                    return OnnxTensor.createTensor(env, raw.asShortBuffer(), m.shape(), OnnxJavaType.BFLOAT16);
                }
                return OnnxTensor.createTensor(env, raw, m.shape(), m.rawType() == 3 ? OnnxJavaType.INT8 : OnnxJavaType.UINT8);
            } catch (OrtException e) {
                throw new KinoException("ONNX Runtime cannot hold the merged LoRA weight " + m.name() + ": "
                        + e.getMessage() + ".", e);
            }
        }
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
