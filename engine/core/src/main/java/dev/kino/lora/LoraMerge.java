package dev.kino.lora;

import dev.kino.KinoException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Merges LoRAs into the weights of one exported denoiser graph: {@code W' = W + Σ strength · scale · up · down
 * (+ diff)}, {@code b' = b + Σ strength · bias}, for the session to be opened with the merged tensors in place
 * of the file's ({@code SessionOptions.addExternalInitializers}).
 *
 * <p>Which graph weight a module name means is {@link GraphLinears}'s job (by name, or by the scope of the
 * MatMul/Gemm node that uses it). A module found nowhere is an error naming the LoRA key, never skipped; the
 * shapes are checked too.
 *
 * <p>The base values of a touched weight are read from the graph's files at each merge (the page cache after
 * the first: ONNX Runtime read them when it opened the plain session) and dropped once merged, rather than
 * kept as float32 copies on the heap: for a LoRA on every layer those copies cost as much memory as the layers
 * themselves (0.7 GiB on the Wan-width bench model), and a switch reads only the weights the LoRAs touch,
 * never the whole model.
 */
public final class LoraMerge {
    private final OnnxInitializers graph;
    private final GraphLinears linears;

    /**
     * The weights of one merged tensor, in the graph's element type (float32 or float16) and shape;
     * {@code inlineAt}: where the graph file itself holds the tensor's bytes, or -1 when they are in its
     * external-data file (ONNX Runtime replaces only external initializers, so inline ones are patched).
     */
    public record Merged(String name, long[] shape, boolean float16, float[] values, long inlineAt, byte[] raw,
                         int rawType) {
        /** A float32 or float16 tensor. */
        public Merged(String name, long[] shape, boolean float16, float[] values, long inlineAt) {
            this(name, shape, float16, values, inlineAt, null, 0);
        }

        /** A quantized tensor's bytes as the graph stores them (ONNX data type {@code init.dataType()}). */
        static Merged raw(OnnxInitializers.Initializer init, byte[] bytes, long inlineAt) {
            return new Merged(init.name(), init.dims(), false, null, inlineAt, bytes, init.dataType());
        }
    }

    /** A layer's weight, its float layout ({@code dims}, transposed: [in, out]) and how it is stored. */
    private record Target(OnnxInitializers.Initializer weight, boolean transposed,
                          OnnxInitializers.Initializer bias, long[] dims, QuantizedWeight quant) {
    }

    /** For the graph file {@code onnx} (its external-data file beside it). */
    public LoraMerge(Path onnx) {
        this.graph = OnnxInitializers.of(onnx);
        this.linears = new GraphLinears(graph);
    }

    /**
     * The tensors that change when {@code loras} are applied to expert {@code expert} (read with
     * {@link LoraFile#read}, in the same order); LoRAs of strength 0 or for other experts change nothing.
     * An empty map means the graph's own weights.
     */
    public Map<String, Merged> merge(List<Lora> loras, List<LoraFile> files, int expert) {
        Map<String, Merged> merged = new LinkedHashMap<>();
        merge(loras, files, expert, m -> merged.put(m.name(), m));
        return merged;
    }

    /**
     * As {@link #merge(List, List, int)}, handing each merged tensor to {@code sink} as soon as it is made, so
     * only one merged weight is on the Java heap at a time. Every LoRA key is mapped and checked before the
     * first tensor is made: a LoRA that does not fit fails before {@code sink} sees anything.
     */
    public void merge(List<Lora> loras, List<LoraFile> files, int expert, Consumer<Merged> sink) {
        Map<String, List<Change>> byWeight = changes(loras, files, expert);
        for (Map.Entry<String, List<Change>> e : byWeight.entrySet()) {
            OnnxInitializers.Initializer init = e.getValue().get(0).init();
            QuantizedWeight quant = e.getValue().get(0).bias() ? null : e.getValue().get(0).target().quant();
            float[] w = quant != null ? quant.dequantize() : OnnxInitializers.read(init);
            for (Change c : e.getValue()) {
                if (c.bias()) {
                    for (int i = 0; i < w.length; i++) {
                        w[i] += c.strength() * c.layer().bias()[i];
                    }
                } else {
                    addWeightDelta(w, c.layer(), c.target(), c.strength());
                }
            }
            if (quant != null) {
                quant.requantize(w, inlineAt(init), inlineAt(quant.scales())).forEach(sink);
            } else if (init.dataType() == OnnxInitializers.BFLOAT16) {
                sink.accept(Merged.raw(init, OnnxInitializers.bfloat16(w), inlineAt(init)));
            } else {
                sink.accept(new Merged(init.name(), init.dims(), init.dataType() == OnnxInitializers.FLOAT16, w,
                        inlineAt(init)));
            }
        }
    }

    private long inlineAt(OnnxInitializers.Initializer init) {
        return init.file().equals(graph.graph()) ? init.offset() : -1;
    }

    /** Maps and checks every LoRA key onto this graph without merging anything (a plan's check). */
    public void check(List<Lora> loras, List<LoraFile> files, int expert) {
        changes(loras, files, expert);
    }

    private record Change(LoraFile.LayerChange layer, Target target, float strength, boolean bias,
                          OnnxInitializers.Initializer init) {
    }

    /** The changes to make, by graph weight, in LoRA order; throws on the first key that does not fit. */
    private Map<String, List<Change>> changes(List<Lora> loras, List<LoraFile> files, int expert) {
        Map<String, List<Change>> byWeight = new LinkedHashMap<>();
        for (int l = 0; l < loras.size(); l++) {
            Lora lora = loras.get(l);
            if (lora.strength() == 0 || !lora.appliesTo(expert)) {
                continue;
            }
            LoraFile file = files.get(l);
            for (LoraFile.LayerChange c : file.layers().values()) {
                Target t = target(file, c);
                if (c.down() != null || c.diff() != null) {
                    byWeight.computeIfAbsent(t.weight.name(), k -> new ArrayList<>())
                            .add(new Change(c, t, (float) lora.strength(), false, t.weight));
                }
                if (c.bias() != null) {
                    byWeight.computeIfAbsent(t.bias.name(), k -> new ArrayList<>())
                            .add(new Change(c, t, (float) lora.strength(), true, t.bias));
                }
            }
        }
        return byWeight;
    }

    /**
     * {@code w += strength · (scale · up · down + diff)}, laid out as the graph stores the weight. Each output row
     * of the stored layout is summed in a buffer first (the LoRA's own change, then added once), with both
     * operands read contiguously: for a transposed weight [in, out] the up factor is transposed first.
     */
    private static void addWeightDelta(float[] w, LoraFile.LayerChange c, Target t, float strength) {
        long[] dims = t.dims;
        int rows = (int) dims[0];
        int cols = (int) dims[1];
        float s = (float) (strength * c.scale());
        int rank = c.rank();
        // row r of the stored weight = Σ_k a[k][r] · b[k][·]: a = up^T, b = down ([out, in] layout), or
        // a = down, b = up^T scaled ([in, out] layout)
        float[] a;
        float[] b;
        if (c.down() == null) {
            a = null;
            b = null;
        } else if (t.transposed) {
            a = c.down();
            b = transpose(c.up(), cols, rank, s);
        } else {
            a = transpose(c.up(), rows, rank, s);
            b = c.down();
        }
        IntStream.range(0, rows).parallel().forEach(r -> {
            float[] row = new float[cols];
            for (int k = 0; a != null && k < rank; k++) {
                float x = a[k * rows + r];
                int at = k * cols;
                for (int j = 0; j < cols; j++) {
                    row[j] += x * b[at + j];
                }
            }
            if (c.diff() != null) {      // diff is [out, in]
                for (int j = 0; j < cols; j++) {
                    row[j] += strength * c.diff()[t.transposed ? j * rows + r : r * cols + j];
                }
            }
            int at = r * cols;
            for (int j = 0; j < cols; j++) {
                w[at + j] += row[j];
            }
        });
    }

    /** {@code m} [n, rank] transposed to [rank, n], times {@code scale}. */
    private static float[] transpose(float[] m, int n, int rank, float scale) {
        float[] out = new float[m.length];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < rank; k++) {
                out[k * n + i] = m[i * rank + k] * scale;
            }
        }
        return out;
    }

    private Target target(LoraFile file, LoraFile.LayerChange c) {
        String module = c.module();
        GraphLinears.Linear linear = linears.find(module);
        OnnxInitializers.Initializer weight = linear == null ? null : linear.weight();
        OnnxInitializers.Initializer bias = linear == null ? null : linear.bias();
        String name = file.file().getFileName().toString();
        if (weight == null || linear.dims().length != 2) {
            throw new KinoException("The LoRA " + name + " changes " + module + ", which " + graph.graph().getFileName()
                    + " does not have as a linear layer; it was made for another model (or a block this one lacks).");
        }
        boolean t = linear.transposed();
        long out = t ? linear.dims()[1] : linear.dims()[0];
        long in = t ? linear.dims()[0] : linear.dims()[1];
        long[] wants = c.down() != null ? new long[] {c.out(), c.in()} : c.diffShape();
        if (wants != null && (wants.length != 2 || wants[0] != out || wants[1] != in)) {
            throw new KinoException("The LoRA " + name + " changes " + module + " as a " + LoraFile.shape(wants)
                    + " weight but this model's is " + out + "x" + in + "; it was made for another model.");
        }
        if (c.bias() != null && (bias == null || bias.numel() != c.bias().length)) {
            throw new KinoException("The LoRA " + name + " changes the bias of " + module + " with " + c.bias().length
                    + " values but this model's has " + (bias == null ? "none" : bias.numel())
                    + "; it was made for another model.");
        }
        return new Target(weight, t, bias, linear.dims(), linear.quant());
    }

    /** The tracer's scope of a module: {@code blocks.0.ffn.net.0.proj} -> {@code /blocks.0/ffn/net.0/proj}. */
    static String scope(String module) {
        StringBuilder b = new StringBuilder();
        for (String part : module.split("\\.")) {
            boolean index = !part.isEmpty() && part.chars().allMatch(Character::isDigit);
            b.append(index ? "." : "/").append(part);
        }
        return b.toString();
    }
}
