package dev.kino.pipeline;

import dev.kino.runtime.GraphStats;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cross-attention keys an int8 (MatMulInteger) denoiser holds all at once, worked out from its header.
 *
 * <p>models/quantize quantizes the text once ({@code DynamicQuantizeLinear}) and every block's cross-attention
 * key and value projections read that one quantized tensor. ONNX Runtime orders a graph's nodes by a depth-first
 * walk back from its outputs that takes each node's newest input first; its optimizer's fused nodes are the
 * newest, and in such a graph each block's normalised key (fused into {@code SimplifiedLayerNormalization}
 * over a {@code MatMulIntegerToFloat}) comes before the block's query. So every block's key of the text is
 * computed right after the text is quantized, before the first block runs, and all of them are alive until
 * their blocks: one {@code [batch, text length, width]} float tensor per block (ONNX Runtime 1.30's profile of
 * the 30-block real-width Wan: all 30 {@code attn2/to_k} run as nodes 13-72 of 3282; in the fp32 graph each runs
 * inside its block). The values are computed in their blocks. The session's arena then holds them twice: the
 * second run allocates its memory pattern (one block the size of the first run's peak) beside the first run's
 * freed chunks (measured: +210 MiB on the first run, +197 on the second, +16 on the third; the same with pre-packing
 * off, so it is not the pre-packed weights). docs/precision.md has the measurements.
 */
final class TextKeysAhead {
    /** A block's own projections share one quantized input at most three at a time (query, key, value). */
    private static final int ONE_BLOCK = 3;

    /** The arena's two copies: the first run's chunks and the memory pattern's block. */
    private static final int ARENA_COPIES = 2;

    private TextKeysAhead() {
    }

    /**
     * Bytes held for {@code rows} text rows (batch × text length) when the graph's MatMuls are int8
     * (MatMulInteger): none otherwise, as measured (the fp32 graph computes each key in its block).
     */
    static long bytes(GraphStats s, long rows) {
        boolean int8 = s.nodeInputs().values().stream().anyMatch(in -> in.get(0).equals("MatMulInteger"));
        return int8 ? ifInt8(s, rows) : 0;
    }

    /**
     * What {@link #bytes} is for this graph with its weight matrices in int8 (whatever they are now): for each
     * input read by more MatMuls (MatMul, MatMulInteger or MatMulNBits) than one block has, half of them are
     * keys (each block reads it for its key and its value), each {@code rows × N} floats for its weight's N
     * columns.
     */
    static long ifInt8(GraphStats s, long rows) {
        Map<String, GraphStats.Initializer> inits = new HashMap<>();
        s.initializers().forEach(i -> inits.put(i.name(), i));
        Map<String, Integer> readers = new HashMap<>();
        Map<String, Long> columns = new HashMap<>();
        for (Map.Entry<String, List<String>> node : s.nodeInputs().entrySet()) {
            List<String> in = node.getValue();
            GraphStats.Initializer b = in.size() > 2 ? inits.get(in.get(2)) : null;
            if (b == null) {
                continue;
            }
            long n = switch (in.get(0)) {
                case "MatMul", "MatMulInteger" -> b.dims().length == 2 ? b.dims()[1] : 0;
                case "MatMulNBits" -> s.nodeInts().getOrDefault(node.getKey(), Map.of()).getOrDefault("N", 0L);
                default -> 0;
            };
            if (n > 0) {
                readers.merge(in.get(1), 1, Integer::sum);
                columns.merge(in.get(1), n, Long::sum);
            }
        }
        long floats = 0;
        for (Map.Entry<String, Integer> r : readers.entrySet()) {
            if (r.getValue() > ONE_BLOCK) {
                floats += rows * columns.get(r.getKey()) / 2;
            }
        }
        return ARENA_COPIES * Float.BYTES * floats;
    }
}
