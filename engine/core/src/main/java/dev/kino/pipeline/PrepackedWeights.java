package dev.kino.pipeline;

import dev.kino.runtime.GraphStats;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What ONNX Runtime's CPU kernels for quantized MatMuls hold beyond a graph's initializers, worked out from the
 * graph's header (each node's op type, its weight's shape and storage, its {@code bits}, {@code block_size} and
 * {@code accuracy_level}). At session creation each kernel copies its constant weight B into MLAS's own layout
 * ({@code PrePack}); docs/precision.md ("Pre-packed weights") has the ONNX Runtime sources and the measurements
 * behind each term. Only the CPU kernels were measured (no GPU here); the plan counts the same term for CUDA.
 *
 * @param packedBytes  the packed copies, less the originals ONNX Runtime lets go of
 * @param scratchBytes the largest per-call buffer a kernel that does not pre-pack fills instead
 */
public record PrepackedWeights(long packedBytes, long scratchBytes) {

    /** ONNX's {@code accuracy_level} 4: MatMulNBits quantizes the activations to int8 and runs integer MLAS kernels. */
    static final long INT8_COMPUTE = 4;

    public long bytes() {
        return packedBytes + scratchBytes;
    }

    static PrepackedWeights of(GraphStats s) {
        Map<String, GraphStats.Initializer> inits = new HashMap<>();
        s.initializers().forEach(i -> inits.put(i.name(), i));
        long packed = 0;
        long scratch = 0;
        for (Map.Entry<String, List<String>> node : s.nodeInputs().entrySet()) {
            List<String> in = node.getValue();
            GraphStats.Initializer b = in.size() > 2 ? inits.get(in.get(2)) : null;
            if (b == null) {
                continue;
            }
            long[] d = b.dims();
            long original = (long) (b.elements() * b.bytesPerElement());
            Map<String, Long> attr = s.nodeInts().getOrDefault(node.getKey(), Map.of());
            long copy;
            switch (in.get(0)) {
                case "MatMulInteger" -> {
                    if (d.length != 2) {
                        continue;
                    }
                    // ONNX Runtime fuses it with its DynamicQuantizeLinear into DynamicQuantizeMatMul, whose PrePack
                    // copies B into MLAS's int8 GEMM layout (MlasGemmPackBSize): N rounded up to 16 columns, K to 4
                    // rows, plus one int32 column sum per column
                    long n = roundUp(d[1], 16);
                    copy = n * roundUp(d[0], 4) + n * Integer.BYTES;
                }
                case "MatMulNBits" -> {
                    long k = attr.getOrDefault("K", 0L);
                    long n = attr.getOrDefault("N", 0L);
                    long block = attr.getOrDefault("block_size", 0L);
                    long bits = attr.getOrDefault("bits", 4L);
                    if (k <= 0 || n <= 0 || block <= 0) {
                        continue;
                    }
                    long blocks = n * ((k + block - 1) / block);
                    if (attr.getOrDefault("accuracy_level", 0L) == INT8_COMPUTE) {
                        // int8 compute (MlasQNBitGemmPackQuantBDataSize, CompInt8 on x86): the blocks re-laid,
                        // plus a float copy of each block's scale and a float sum of each block
                        copy = original + 2L * Float.BYTES * blocks;
                    } else if (bits == 4) {
                        // fp32 compute: the 4-bit blocks re-laid for the fp32 kernel, the same size
                        copy = original;
                    } else {
                        // MLAS has no fp32-compute kernel for 8 bits: nothing is packed; each call dequantizes B
                        // into a K x N float buffer (one at a time: the largest counts)
                        scratch = Math.max(scratch, (long) Float.BYTES * k * n);
                        continue;
                    }
                }
                default -> {
                    continue;
                }
            }
            // Measured with ONNX Runtime 1.29 (docs/precision.md): a weight in an external-data file is
            // memory-mapped and its pages go once packed, so the copy takes its place; an inline weight (a graph
            // under 1 GiB is written inline) is freed to the allocator but 20-90 % of it stays in the process
            // beside its packed copy (counted whole: later allocations reuse some of it). fp32 MatMul's packed
            // copy is not here: it replaces its original either way, which the initializers already count.
            packed += b.external() ? copy - original : copy;
        }
        return new PrepackedWeights(packed, scratch);
    }

    private static long roundUp(long x, long m) {
        return (x + m - 1) / m * m;
    }
}
