package dev.kino.noise;

import java.util.stream.IntStream;

/**
 * Seeded Gaussian noise that reproduces PyTorch's CPU generator:
 * {@code torch.randn(shape, generator=torch.Generator().manual_seed(seed))}.
 *
 * <p>A seed therefore means the same starting noise in Kino as in diffusers and ComfyUI. The generator is
 * stateful like PyTorch's: successive calls continue the stream (ancestral samplers draw their per-step noise
 * from the same generator that drew the initial latents, as diffusers does).
 *
 * <p>PyTorch fills a float32 tensor in one of two ways, and so does this class:
 * <ul>
 *   <li><b>16 or more elements</b> ({@code normal_fill}): every element first gets a float uniform from one
 *       32-bit draw; then each block of 16 becomes 16 normals by Box-Muller, pairing element {@code j} with
 *       element {@code j+8}. When the size is not a multiple of 16, 16 fresh uniforms overwrite the last 16
 *       elements and that block is transformed again (so those elements are replaced, not appended).
 *       Kino computes PyTorch's scalar float kernel, with glibc's own {@code logf}, {@code cosf} and
 *       {@code sinf} algorithms ({@link GlibcFloatMath}), so the values are identical bit for bit; PyTorch's
 *       AVX2 / AVX-512 kernel uses approximate vector math instead, which differs by at most ~2e-6.</li>
 *   <li><b>fewer than 16 elements</b> ({@code normal_distribution<double>}): pairs of 53-bit uniforms give two
 *       normals in double precision; the second is cached in the generator and served by the next
 *       scalar-path draw, possibly in a later call, exactly as {@code CPUGeneratorImpl} does.</li>
 * </ul>
 *
 * <p>All arithmetic is plain IEEE (no platform math intrinsics), so a seed gives the same bits on every JVM
 * and CPU. Not thread-safe; one generator serves one run.
 */
public final class TorchGenerator {
    /** Size of the block Box-Muller transforms at once in PyTorch's vectorizable fill. */
    private static final int BLOCK = 16;
    private static final int HALF = BLOCK / 2;
    /** Blocks one thread transforms at a time in a large fill (16 Ki floats). */
    private static final int BLOCKS_PER_CHUNK = 1024;
    /** 2^-53: a double uniform is the low 53 bits of a 64-bit draw, scaled into [0, 1). */
    private static final double DOUBLE_UNIT = 1.0 / (1L << 53);
    private static final double TWO_PI = 2.0 * Math.PI;

    private final long seed;
    private final Mt19937 engine;
    /** The second normal of the last scalar-path pair, not yet served (PyTorch's next_double_normal_sample). */
    private boolean hasCachedNormal;
    private double cachedNormal;

    private TorchGenerator(long seed) {
        this.seed = seed;
        this.engine = new Mt19937(seed);
    }

    /** A generator seeded like {@code torch.Generator().manual_seed(seed)}. */
    public static TorchGenerator seeded(long seed) {
        return new TorchGenerator(seed);
    }

    /** The seed this generator started from ({@code generator.initial_seed()}). */
    public long initialSeed() {
        return seed;
    }

    /** Fills {@code out} as {@code torch.randn(out.length)} would (the shape only matters through its size). */
    public void randn(float[] out) {
        randn(out, 0, out.length);
    }

    /** Fills {@code out[offset, offset+length)} as {@code torch.randn(length)} would. */
    public void randn(float[] out, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > out.length) {
            throw new IndexOutOfBoundsException("randn range " + offset + "+" + length + " outside " + out.length);
        }
        if (length >= BLOCK) {
            normalFill(out, offset, length);
        } else {
            for (int i = 0; i < length; i++) {
                out[offset + i] = (float) nextDoubleNormal();
            }
        }
    }

    /** A new array holding {@code torch.randn(n)}. */
    public float[] randn(int n) {
        float[] out = new float[n];
        randn(out);
        return out;
    }

    /** Fills {@code out} as {@code torch.rand(out.length)} (float32 uniforms in [0, 1)) would. */
    public void rand(float[] out) {
        engine.nextFloats24(out, 0, out.length);
    }

    /**
     * PyTorch's {@code normal_fill}: uniforms first, then Box-Muller over blocks of 16, tail block redrawn.
     * The blocks are independent, so large fills transform them on several threads (same bits either way).
     */
    private void normalFill(float[] data, int offset, int size) {
        int end = offset + size;
        engine.nextFloats24(data, offset, end);
        int blocks = size / BLOCK;
        int chunks = (blocks + BLOCKS_PER_CHUNK - 1) / BLOCKS_PER_CHUNK;
        if (chunks > 1) {
            IntStream.range(0, chunks).parallel().forEach(c -> boxMullerBlocks(data, offset, c, blocks));
        } else {
            boxMullerBlocks(data, offset, 0, blocks);
        }
        if (size % BLOCK != 0) {
            // PyTorch recomputes the last 16 elements from fresh uniforms (overlapping the previous block).
            int tail = end - BLOCK;
            engine.nextFloats24(data, tail, end);
            boxMuller16(data, tail);
        }
    }

    /** Transforms chunk c (up to {@link #BLOCKS_PER_CHUNK} blocks of 16) of the {@code blocks} full blocks. */
    private static void boxMullerBlocks(float[] data, int offset, int c, int blocks) {
        int last = Math.min(blocks, (c + 1) * BLOCKS_PER_CHUNK);
        for (int b = c * BLOCKS_PER_CHUNK; b < last; b++) {
            boxMuller16(data, offset + b * BLOCK);
        }
    }

    /**
     * {@code normal_fill_16} with float arithmetic as in PyTorch's scalar kernel: radius from element j,
     * angle from element j+8; the angle is {@code 2*pi} in double times the float uniform, rounded to float.
     */
    static void boxMuller16(float[] data, int at) {
        for (int j = 0; j < HALF; j++) {
            float u1 = 1.0f - data[at + j]; // [0, 1) -> (0, 1] so the log is finite
            float u2 = data[at + j + HALF];
            float radius = (float) Math.sqrt(-2.0f * GlibcFloatMath.logf(u1)); // float sqrt via double is exact
            float theta = (float) (TWO_PI * u2);
            long sincos = GlibcFloatMath.sincos(theta);
            data[at + j] = radius * Float.intBitsToFloat((int) (sincos >>> 32));
            data[at + j + HALF] = radius * Float.intBitsToFloat((int) sincos);
        }
    }

    /**
     * {@code at::normal_distribution<double>} (mean 0, std 1): Box-Muller on two 53-bit uniforms, the first
     * giving the angle and the second the radius; the sine half is cached for the next call.
     */
    private double nextDoubleNormal() {
        if (hasCachedNormal) {
            hasCachedNormal = false;
            return cachedNormal;
        }
        double u1 = nextDoubleUniform();
        double u2 = nextDoubleUniform();
        double r = Math.sqrt(-2.0 * StrictMath.log1p(-u2));
        double theta = TWO_PI * u1;
        cachedNormal = r * StrictMath.sin(theta);
        hasCachedNormal = true;
        return r * StrictMath.cos(theta);
    }

    /** {@code uniform_real_distribution<double>(0, 1)}: two draws make 64 bits (first is high); keep 53. */
    private double nextDoubleUniform() {
        long hi = engine.nextInt() & 0xFFFFFFFFL;
        long lo = engine.nextInt() & 0xFFFFFFFFL;
        long bits = (hi << 32) | lo;
        return (bits & ((1L << 53) - 1)) * DOUBLE_UNIT;
    }
}
