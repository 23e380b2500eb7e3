package dev.kino.pipeline;

import dev.kino.model.Manifest;
import dev.kino.model.ModelPackage;
import dev.kino.model.Weights;
import dev.kino.runtime.GraphStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * How much memory a package needs to make a video of a given size, worked out before loading it: each graph's
 * weights (from its file's initializers, so the figure follows the package's precision mode) and an estimate of
 * the activations its ONNX Runtime session holds at that size, plus the arrays Kino keeps on the Java heap.
 *
 * <p>The activation estimate reads the graph's widths from its weights' shapes and whether its attention is fused
 * from its nodes, then counts what is alive at a graph's widest point ({@code transformer}, {@code decoder}
 * below say what). Each session keeps its own memory arena and does not give it back, so the sessions' peaks
 * add up. A quantized graph also holds the copies ONNX Runtime's CPU kernels pre-pack its weights into
 * ({@link PrepackedWeights}), and an int8 denoiser every block's cross-attention keys at once ({@link TextKeysAhead}).
 * Not counted: a graph's load-time copies, and the VAE encoder's activations
 * (video-to-video only).
 *
 * @param width        video width in pixels
 * @param height       video height in pixels
 * @param frames       video frames
 * @param batch        denoiser batch (2 with guidance in one batch)
 * @param graphs       one row per graph the pipeline opens
 * @param javaBytes    arrays on the Java heap: latents, scheduler history, decoded frames
 */
public record MemoryPlan(int width, int height, int frames, int batch, List<Graph> graphs, long javaBytes) {
    /**
     * Full-resolution tensors alive at once in a decoder's last block, in units of its width: the
     * nearest-upsampled input (twice the block's width), the convolution's output and the normalised copy.
     */
    private static final int DECODER_TENSORS = 4;

    /**
     * One graph: its weights, what ONNX Runtime pre-packs them into, and its session's activations at this size.
     *
     * @param prepackedBytes {@link PrepackedWeights#bytes()}: 0 for float graphs
     * @param textKeysInt8   {@link TextKeysAhead#ifInt8}: what its activations hold of the text's keys in int8
     * @param expert         true for one expert of a mixture (only one need be loaded at a time)
     */
    public record Graph(String role, String file, String format, long weightBytes, long prepackedBytes,
                        long activationBytes, long textKeysInt8, boolean expert, Matrices matrices) {
        public long bytes() {
            return weightBytes + prepackedBytes + activationBytes;
        }

        /** Its weights were its weight matrices stored in {@code mode} ({@link #MODES}); the rest as they are. */
        public long weightBytesIn(String mode) {
            return weightBytes - matrices.bytes() + (long) (matrices.params() * bytesPerWeight(mode));
        }

        /**
         * Its pre-packed copies were its weight matrices converted to {@code mode}, as quantize_package.py writes
         * them (int8: MatMulInteger; w8/w4: MatMulNBits with fp32 compute) into an external-data file, where the
         * packed copy replaces the original: int8's packed layout adds nothing then, w4's none, and w8 (which MLAS
         * does not pack) dequantizes its largest matrix per call, which this leaves out (under 1 % of a model).
         * So only the graph as it is keeps its own term.
         */
        public long prepackedBytesIn(String mode) {
            return Weights.formatOf(mode).equals(format) ? prepackedBytes : 0;
        }

        /** Its activations with its weight matrices in {@code mode}: int8 holds every block's text keys at once. */
        public long activationBytesIn(String mode) {
            boolean int8Now = format.equals(Weights.formatOf("int8"));
            return activationBytes - (int8Now ? textKeysInt8 : 0) + (mode.equals("int8") ? textKeysInt8 : 0);
        }
    }

    /**
     * A graph's weight matrices, the part a precision mode converts: how many weights and the bytes they take
     * now (the weight inputs of MatMul, MatMulInteger and MatMulNBits nodes: 2-D float or int8, or MatMulNBits' packed {@code [N, blocks, blob]} blocks), leaving out
     * the layers a converted graph's manifest record lists as kept fp32. An unconverted graph does not say which
     * layers a converter would keep: its estimate converts them too (under 1 % of a real model's weights).
     */
    public record Matrices(long params, long bytes) {
        static Matrices of(GraphStats s, Weights weights) {
            // the layers a converted graph kept in fp32 stay so in every mode
            Set<String> kept = new HashSet<>();
            weights.keptFp32().forEach(n -> kept.addAll(s.nodeInputs().getOrDefault(n, List.of())));
            Set<String> matmul = s.matmulWeights();
            boolean quantized = weights.format().startsWith("int");
            long params = 0;
            double bytes = 0;
            for (GraphStats.Initializer i : s.initializers()) {
                long[] d = i.dims();
                // a quantized graph's float MatMul weights are layers its converter left alone
                if (kept.contains(i.name()) || !matmul.contains(i.name()) || (quantized && i.isFloat())) {
                    continue;
                }
                if (d.length == 2) {
                    params += i.elements();
                    bytes += i.elements() * i.bytesPerElement();
                } else if (d.length == 3 && !i.isFloat() && weights.blockSize() > 0) {
                    params += d[0] * d[1] * weights.blockSize();
                    bytes += i.elements() * i.bytesPerElement();
                }
            }
            return new Matrices(params, (long) bytes);
        }
    }

    /** The precision modes of {@code models/quantize}, largest first. */
    public static final List<String> MODES = List.of("fp32", "fp16", "bf16", "w8", "int8", "w4");

    /**
     * Bytes per weight of a matrix in {@code mode}: the block formats add one fp32 scale per block of 32 (the
     * quantizer's block size), int8's per-channel scales are negligible.
     */
    public static double bytesPerWeight(String mode) {
        return switch (mode) {
            case "fp32" -> 4;
            case "fp16", "bf16" -> 2;
            case "w8" -> 1 + 4.0 / 32;
            case "int8" -> 1;
            case "w4" -> 0.5 + 4.0 / 32;
            default -> throw new IllegalArgumentException("no precision mode " + mode);
        };
    }

    /** {@link #runtimeBytes} (or one expert at a time) with the denoiser(s) converted to {@code mode}. */
    public long runtimeBytesIn(String mode, boolean oneExpert) {
        long others = 0;
        long experts = 0;
        long largestExpert = 0;
        for (Graph g : graphs) {
            boolean denoiser = g.role().startsWith("denoiser");
            long b = denoiser ? g.weightBytesIn(mode) + g.prepackedBytesIn(mode) + g.activationBytesIn(mode)
                    : g.bytes();
            if (g.expert()) {
                experts += b;
                largestExpert = Math.max(largestExpert, b);
            } else {
                others += b;
            }
        }
        return others + (oneExpert ? largestExpert : experts);
    }

    public MemoryPlan {
        graphs = List.copyOf(graphs);
    }

    /** Every graph's weights. */
    public long weightBytes() {
        return graphs.stream().mapToLong(Graph::weightBytes).sum();
    }

    /** Every graph's pre-packed weight copies ({@link PrepackedWeights}). */
    public long prepackedBytes() {
        return graphs.stream().mapToLong(Graph::prepackedBytes).sum();
    }

    /** Every session's activation peak. */
    public long activationBytes() {
        return graphs.stream().mapToLong(Graph::activationBytes).sum();
    }

    /** What ONNX Runtime holds with every graph loaded: on the GPU for CUDA, in the process for the CPU. */
    public long runtimeBytes() {
        return weightBytes() + prepackedBytes() + activationBytes();
    }

    /** {@link #runtimeBytes()} with one expert of a mixture loaded at a time (the largest counts). */
    public long runtimeBytesOneExpert() {
        long others = graphs.stream().filter(g -> !g.expert()).mapToLong(Graph::bytes).sum();
        return others + graphs.stream().filter(Graph::expert).mapToLong(Graph::bytes).max().orElse(0);
    }

    /** Whether the package has several experts (so one-at-a-time loading can save memory). */
    public boolean hasExperts() {
        return graphs.stream().filter(Graph::expert).count() > 1;
    }

    /** The whole CPU process's peak: {@code baseline} (the JVM with ONNX Runtime, FFmpeg and the tokenizer loaded), the runtime's share and the Java arrays. */
    public long processBytes(long baseline, boolean oneExpert) {
        return baseline + (oneExpert ? runtimeBytesOneExpert() : runtimeBytes()) + javaBytes;
    }

    /**
     * Plans {@code pkg} at {@code width × height × frames} with denoiser batch {@code batch}, reading only the
     * files' headers (no session is created).
     */
    public static MemoryPlan of(ModelPackage pkg, int width, int height, int frames, int batch) {
        Manifest m = pkg.manifest();
        Manifest.Latent l = m.latent();
        int cell = l.spatialCompression();
        int latentFrames = l.latentFrames(frames);
        List<Graph> rows = new ArrayList<>();
        Map<String, GraphStats> read = new HashMap<>();
        List<Manifest.TextEncoder> texts = m.textEncoders();
        for (int i = 0; i < texts.size(); i++) {
            Manifest.TextEncoder t = texts.get(i);
            GraphStats s = stats(pkg, t.file(), read);
            Widths w = Widths.of(s, t.weights());
            long tokens = (long) batch * t.maxLength();
            rows.add(new Graph(i == 0 ? "text encoder" : "text encoder " + (i + 1), t.file(), t.weights().format(),
                    weights(pkg, t.file(), s), PrepackedWeights.of(s).bytes(),
                    transformer(tokens, t.maxLength(), w, s.heads(), batch), 0, false, Matrices.of(s, t.weights())));
        }
        Manifest.Denoiser d = m.denoiser();
        List<Manifest.Expert> experts = d.experts();
        long tokens = d.sequenceLength(latentFrames, height / cell, width / cell);
        // the denoiser reads the first text encoder's embeddings, padded to its max_length
        long textRows = texts.isEmpty() ? 0 : (long) batch * texts.get(0).maxLength();
        for (int i = 0; i < experts.size(); i++) {
            String file = experts.get(i).file();
            GraphStats s = stats(pkg, file, read);
            Widths w = Widths.of(s, d.weights());
            rows.add(new Graph(experts.size() == 1 ? "denoiser" : "denoiser expert " + (i + 1), file,
                    d.weights().format(), weights(pkg, file, s), PrepackedWeights.of(s).bytes(),
                    transformer(batch * tokens, tokens, w, s.heads(), batch) + TextKeysAhead.bytes(s, textRows),
                    TextKeysAhead.ifInt8(s, textRows), experts.size() > 1,
                    Matrices.of(s, d.weights())));
        }
        Manifest.Vae v = m.vae();
        long frame = (long) width * height;
        List<String> decoders = v.nextFile() == null ? List.of(v.file()) : List.of(v.file(), v.nextFile());
        for (String file : decoders) {
            GraphStats s = stats(pkg, file, read);
            // a causal decoder's step makes framesFirst (then framesNext) frames, reading two cached frames too
            long outPixels = frame * switch (v.kind()) {
                case CAUSAL -> file.equals(v.file()) ? v.framesFirst() : v.framesNext();
                case THREE_D -> frames;
                case TWO_D -> v.dynamicBatch() ? Math.max(1, v.chunkFrames()) : 1;
            };
            long inPixels = v.kind() == Manifest.VaeKind.CAUSAL ? outPixels + 2 * frame : outPixels;
            rows.add(new Graph(file.equals(v.file()) ? "VAE decoder" : "VAE next-frame decoder", file,
                    v.weights().format(), weights(pkg, file, s), PrepackedWeights.of(s).bytes(),
                    decoder(s, l.temporalCompression(), inPixels, outPixels), 0, false, Matrices.of(s, v.weights())));
        }
        for (Manifest.VaeEncoder e : m.videoEncoder() == null ? List.<Manifest.VaeEncoder>of() : List.of(m.videoEncoder())) {
            // loaded with the package; its activations arise only for video-to-video and are not planned here
            GraphStats s = stats(pkg, e.file(), read);
            rows.add(new Graph("VAE encoder", e.file(), "as exported", weights(pkg, e.file(), s),
                    PrepackedWeights.of(s).bytes(), 0, 0, false, new Matrices(0, 0)));
        }
        long java = MemoryCheck.bytes(m, frames, width, height, batch > 1);
        return new MemoryPlan(width, height, frames, batch, rows, java);
    }

    /**
     * Activations of a transformer over {@code rows} token rows ({@code seq} per sample) of widths {@code w}. A graph
     * with fused attention nodes (they declare {@code num_heads}) runs ONNX Runtime's flash attention on the CPU,
     * which never holds the probabilities; a graph with attention spelled out in MatMul/Softmax holds the scores
     * and the softmax's probabilities, both {@code seq x seq} for every head (head width taken as 64 when the
     * graph does not say). Measured on the real-width one-layer UMT5 at 2 x 512 tokens (bench/wan-real-size/
     * modes.md): 507 MiB of activations, where one copy of the probabilities planned 304 MiB and two plan 432.
     */
    private static long transformer(long rows, long seq, Widths w, int heads, int batch) {
        long hidden = rows * (2L * w.widest + 6L * w.hidden);
        long probs = heads > 0 ? 0 : 2L * batch * Math.max(1, w.hidden / 64) * seq * seq;
        return Float.BYTES * (hidden + probs);
    }

    /**
     * A convolutional decoder's last, full-resolution block: the widest tensors there ({@link #DECODER_TENSORS}
     * of the RGB convolution's input width {@code C}, per {@code inputVoxels}) and the im2col buffer ONNX
     * Runtime's CPU convolution fills for its widest full-resolution convolution ({@code C_in × kernel volume}
     * floats per output voxel). The RGB convolution's weight is {@code [3k, C, ...]} for k frames folded into
     * channels; the full-resolution convolutions are those no wider than {@code C}. Without an RGB convolution,
     * the widest convolution stands in.
     */
    private static long decoder(GraphStats s, int foldedFrames, long inputPixels, long outputPixels) {
        long rgbOut = 0;
        long c = 0;
        for (GraphStats.Initializer i : s.initializers()) {
            long[] dims = i.dims();
            if (dims.length >= 4 && dims[0] % 3 == 0 && dims[0] <= 3L * foldedFrames && dims[1] > dims[0]) {
                rgbOut = dims[0];
                c = dims[1];
                break;
            }
        }
        long widest = 0;
        long im2col = 0;
        for (GraphStats.Initializer i : s.initializers()) {
            long[] dims = i.dims();
            if (dims.length < 4) {
                continue;
            }
            widest = Math.max(widest, dims[0]);
            if (c > 0 && dims[0] <= c) {
                long volume = 1;
                for (int k = 2; k < dims.length; k++) {
                    volume *= dims[k];
                }
                im2col = Math.max(im2col, dims[1] * volume);
            }
        }
        double fold = c > 0 ? 3.0 / rgbOut : 1;   // voxels per pixel at the folded resolution
        long width = c > 0 ? c : widest;
        return (long) (Float.BYTES * fold * (DECODER_TENSORS * width * inputPixels + im2col * outputPixels));
    }

    /**
     * A graph's hidden width (the commonest dimension of its weight matrices) and widest one (the feed-forward's
     * inner width), leaving out tables much taller than wide (token embeddings, position tables).
     */
    record Widths(long hidden, long widest) {
        static Widths of(GraphStats s, Weights weights) {
            Map<Long, Integer> count = new HashMap<>();
            for (GraphStats.Initializer i : s.initializers()) {
                long[] dims = i.dims();
                long a;
                long b;
                if (dims.length == 2) {
                    a = dims[0];
                    b = dims[1];
                } else if (dims.length == 3 && !i.isFloat() && weights.blockSize() > 0) {
                    a = dims[0];                          // MatMulNBits: [N, blocks, blob]
                    b = dims[1] * weights.blockSize();    // K
                } else {
                    continue;
                }
                if (Math.max(a, b) > 16 * Math.min(a, b)) {
                    continue;
                }
                count.merge(a, 1, Integer::sum);
                count.merge(b, 1, Integer::sum);
            }
            long hidden = count.entrySet().stream().max(Map.Entry.<Long, Integer>comparingByValue()
                    .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey).orElse(0L);
            long widest = count.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
            return new Widths(hidden, widest);
        }
    }

    private static GraphStats stats(ModelPackage pkg, String file, Map<String, GraphStats> read) {
        return read.computeIfAbsent(file, f -> GraphStats.read(pkg.resolve(f), f));
    }

    /** The initializers' in-memory size (the graph's node definitions are part of a session's fixed cost). */
    private static long weights(ModelPackage pkg, String file, GraphStats s) {
        return s.weightBytes();
    }

    static long fileBytes(Path file) {
        try {
            long bytes = Files.size(file);
            Path data = file.resolveSibling(file.getFileName() + "_data");
            return Files.exists(data) ? bytes + Files.size(data) : bytes;
        } catch (IOException e) {
            return 0;
        }
    }
}
