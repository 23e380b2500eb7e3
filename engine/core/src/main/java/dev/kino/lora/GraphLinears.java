package dev.kino.lora;

import dev.kino.KinoException;

import java.util.HashMap;
import java.util.Map;

/**
 * Where a PyTorch {@code nn.Linear} module (a LoRA names it, e.g. {@code blocks.0.attn1.to_q} or the demo
 * model's {@code d2a.0.self_attn.q}) keeps its weight and bias in an exported graph.
 *
 * <p>PyTorch's ONNX exporter names a weight it stores as it is after the module ({@code transformer.M.weight}
 * for Kino's Wan exports, {@code M.weight} for the demo model's), and a weight it stores transposed for a
 * MatMul either by the Transpose it folded ({@code /blocks.0/attn1/to_q/Transpose_output_0}) or not at all
 * ({@code onnx::MatMul_2210}). What every export keeps is the node that uses the weight, named by the module's
 * scope: {@code /d2a.0/self_attn/q/MatMul}, {@code /d2a.0/ff/ff.0/MatMul} (a Sequential's child is scoped
 * under its parent's name). So the names are tried first and the node's scope last; either way the weight is
 * the initializer the MatMul or Gemm multiplies by, and its layout ([in, out] for MatMul and for Gemm without
 * transB, [out, in] otherwise) comes from the node, not from the shape, which cannot tell a square weight's.
 */
final class GraphLinears {
    private static final String IMAGE_EMBEDDER = "condition_embedder.image_embedder.";

    /**
     * A linear layer's weight ({@code transposed}: stored [in, out]) and bias (null: none in the graph);
     * {@code quant}: how a precision package stores the weight (null: float32 or float16 as it is).
     */
    record Linear(OnnxInitializers.Initializer weight, boolean transposed, OnnxInitializers.Initializer bias,
                  QuantizedWeight quant) {
        Linear(OnnxInitializers.Initializer weight, boolean transposed, OnnxInitializers.Initializer bias) {
            this(weight, transposed, bias, null);
        }

        /** The float weight's shape in its layout. */
        long[] dims() {
            return quant == null ? weight.dims() : quant.dims();
        }
    }

    private static final java.util.Set<String> LINEAR_OPS = java.util.Set.of("MatMul", "Gemm", "MatMulInteger", "MatMulNBits");

    private final OnnxInitializers graph;
    private final Map<String, OnnxInitializers.Node> byScope = new HashMap<>();
    private final Map<String, Integer> uses = new HashMap<>();
    private final Map<String, OnnxInitializers.Initializer> names = new HashMap<>();

    GraphLinears(OnnxInitializers graph) {
        this.graph = graph;
        names.putAll(graph.byName());
        for (OnnxInitializers.Node n : graph.nodes()) {
            // the bf16 mode stores a weight as NAME_bf16 and casts it back to float32 under the weight's own name
            OnnxInitializers.Initializer in = n.inputs().isEmpty() ? null : graph.byName().get(n.inputs().get(0));
            if (n.opType().equals("Cast") && in != null && in.dataType() == OnnxInitializers.BFLOAT16) {
                names.put(n.outputs().get(0), in);
            }
        }
        for (OnnxInitializers.Node n : graph.nodes()) {
            for (String in : n.inputs()) {
                uses.merge(in, 1, Integer::sum);
            }
            boolean linear = LINEAR_OPS.contains(n.opType());
            if (linear && n.inputs().size() >= 2 && names.containsKey(n.inputs().get(1))) {
                byScope.putIfAbsent(module(n.name()), n);
            }
        }
    }

    /** The layer of module {@code module}, or null when the graph has no linear layer of that name. */
    Linear find(String module) {
        Map<String, OnnxInitializers.Initializer> by = names;
        OnnxInitializers.Initializer bias = first(by, "transformer." + module + ".bias", module + ".bias");
        OnnxInitializers.Initializer plain = by.get("transformer." + module + ".weight");
        if (plain != null) {
            return new Linear(plain, false, bias);
        }
        OnnxInitializers.Initializer transposed = by.get(LoraMerge.scope(module) + "/Transpose_output_0");
        if (transposed == null && module.startsWith(IMAGE_EMBEDDER)) {
            // the exporter calls the image embedder's FFN from its wrapper, so the tracer scopes it as "/ff/..."
            transposed = by.get(LoraMerge.scope(module.substring(IMAGE_EMBEDDER.length())) + "/Transpose_output_0");
        }
        if (transposed != null) {
            return new Linear(transposed, true, bias);
        }
        OnnxInitializers.Node node = byScope.get(module);
        if (node == null) {
            return null;
        }
        OnnxInitializers.Initializer weight = by.get(node.inputs().get(1));
        QuantizedWeight quant = switch (node.opType()) {
            case "MatMulInteger" -> QuantizedWeight.int8(module, graph, node);
            case "MatMulNBits" -> QuantizedWeight.nbits(module, graph, node);
            default -> null;
        };
        if (uses.getOrDefault(weight.name(), 0) > 1) {
            throw new KinoException("The weight of " + module + " in " + graph.graph().getFileName() + " is shared with"
                    + " another layer, so a LoRA cannot change it alone; re-export the model without weight sharing.");
        }
        boolean gemm = node.opType().equals("Gemm");
        if (gemm && node.inputs().size() >= 3 && by.containsKey(node.inputs().get(2))) {
            bias = by.get(node.inputs().get(2));
        }
        if (quant != null) {
            return new Linear(weight, quant.transposed(), bias, quant);
        }
        boolean t = !gemm || node.ints().getOrDefault("transB", 0L) == 0;
        return new Linear(weight, t, bias);
    }

    private static OnnxInitializers.Initializer first(Map<String, OnnxInitializers.Initializer> by, String... names) {
        for (String n : names) {
            if (by.containsKey(n)) {
                return by.get(n);
            }
        }
        return null;
    }

    /**
     * The module a node belongs to, from its scope: {@code /d2a.0/ff/ff.0/MatMul} -> {@code d2a.0.ff.0},
     * {@code /blocks.0/attn1/to_q/MatMul} -> {@code blocks.0.attn1.to_q}. A scope part that extends the one
     * before it ({@code ff} then {@code ff.0}: a Sequential and its child) replaces it.
     */
    static String module(String nodeName) {
        String[] parts = nodeName.split("/");
        StringBuilder b = new StringBuilder();
        String last = null;
        for (int i = 0; i < parts.length - 1; i++) {     // the last part is the op (MatMul, Gemm)
            String p = parts[i];
            if (p.isEmpty()) {
                continue;
            }
            if (last != null && p.startsWith(last + ".")) {
                b.append(p.substring(last.length()));
            } else {
                b.append(b.length() == 0 ? "" : ".").append(p);
            }
            last = p;
        }
        return b.toString();
    }
}
