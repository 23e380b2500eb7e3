package dev.kino.noise;

import dev.kino.KinoException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
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
 *       PyTorch has two kernels for this transform and Kino reproduces both bit for bit ({@link Kernel}):
 *       the scalar one, with glibc's own {@code logf}, {@code cosf} and {@code sinf} algorithms
 *       ({@link GlibcFloatMath}), which {@link #seeded(long)} picks; and the AVX2 one of x86 builds
 *       ({@link Avx2BoxMuller}), whose approximate vector math differs from it by at most ~2e-6. The pipeline
 *       and the command line default to AVX2, what diffusers computes on a typical x86-64 PC.</li>
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

    /**
     * Which of PyTorch's CPU kernels a fill of 16 or more values reproduces. They differ by at most ~2e-6 per
     * value; fills below 16 values are the same in both.
     */
    public enum Kernel {
        /** The portable kernel: PyTorch without AVX2 (ARM, older x86, {@code ATEN_CPU_CAPABILITY=default}). */
        SCALAR,
        /** The vectorised kernel PyTorch uses on x86-64 with AVX2 or AVX-512: diffusers on a typical PC. */
        AVX2
    }

    private final long seed;
    private final Kernel kernel;
    private final Mt19937 engine;
    /** Tag and version of {@link #saveState}'s bytes. */
    private static final int STATE_MAGIC = 0x4B47454E; // "KGEN"
    private static final int STATE_VERSION = 1;
    /** The second normal of the last scalar-path pair, not yet served (PyTorch's next_double_normal_sample). */
    private boolean hasCachedNormal;
    private double cachedNormal;

    private TorchGenerator(long seed, Kernel kernel) {
        this(seed, kernel, new Mt19937(seed));
    }

    private TorchGenerator(long seed, Kernel kernel, Mt19937 engine) {
        this.seed = seed;
        this.kernel = kernel;
        this.engine = engine;
    }

    /** A generator seeded like {@code torch.Generator().manual_seed(seed)}, with PyTorch's scalar kernel. */
    public static TorchGenerator seeded(long seed) {
        return new TorchGenerator(seed, Kernel.SCALAR);
    }

    /** A generator seeded like {@code torch.Generator().manual_seed(seed)}, reproducing the given kernel. */
    public static TorchGenerator seeded(long seed, Kernel kernel) {
        return new TorchGenerator(seed, Objects.requireNonNull(kernel, "kernel"));
    }

    /**
     * The generator's whole state (seed, kernel, engine position, cached normal) as bytes, like
     * {@code generator.get_state()}: {@link #fromState} continues the stream from exactly here.
     */
    public byte[] saveState() {
        int[] words = engine.snapshot();
        ByteBuffer b = ByteBuffer.allocate(4 * 3 + 8 + 1 + 8 + 4 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(STATE_MAGIC).putInt(STATE_VERSION).putLong(seed).put((byte) kernel.ordinal());
        b.putInt(hasCachedNormal ? 1 : 0).putDouble(cachedNormal);
        for (int w : words) {
            b.putInt(w);
        }
        return b.array();
    }

    /**
     * A generator continuing from {@link #saveState}'s bytes.
     *
     * @throws KinoException when the bytes are not a generator state of this Kino version
     */
    public static TorchGenerator fromState(byte[] state) {
        try {
            ByteBuffer b = ByteBuffer.wrap(state).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt() != STATE_MAGIC || b.getInt() != STATE_VERSION) {
                throw new IllegalArgumentException("tag");
            }
            long seed = b.getLong();
            Kernel kernel = Kernel.values()[b.get()];
            boolean cached = b.getInt() != 0;
            double cachedValue = b.getDouble();
            int[] words = new int[b.remaining() / 4];
            b.asIntBuffer().get(words);
            TorchGenerator g = new TorchGenerator(seed, kernel, Mt19937.fromSnapshot(words));
            g.hasCachedNormal = cached;
            g.cachedNormal = cachedValue;
            return g;
        } catch (RuntimeException e) {
            throw new KinoException("The saved noise generator state is damaged or from another Kino version; "
                    + "start the generation again.", e);
        }
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
            transform(data, tail);
        }
    }

    /** Transforms chunk c (up to {@link #BLOCKS_PER_CHUNK} blocks of 16) of the {@code blocks} full blocks. */
    private void boxMullerBlocks(float[] data, int offset, int c, int blocks) {
        int last = Math.min(blocks, (c + 1) * BLOCKS_PER_CHUNK);
        for (int b = c * BLOCKS_PER_CHUNK; b < last; b++) {
            transform(data, offset + b * BLOCK);
        }
    }

    private void transform(float[] data, int at) {
        if (kernel == Kernel.AVX2) {
            Avx2BoxMuller.block16(data, at);
        } else {
            boxMuller16(data, at);
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
