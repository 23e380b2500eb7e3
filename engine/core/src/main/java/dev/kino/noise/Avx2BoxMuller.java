package dev.kino.noise;

/**
 * PyTorch's vectorised Box-Muller ({@code normal_fill_16_AVX2}), the kernel {@code torch.randn} uses on every
 * x86-64 CPU with AVX2 or AVX-512: what diffusers and ComfyUI produce for a seed on a typical PC or GPU
 * server. Its {@code log256_ps} and {@code sincos256_ps} (from {@code avx_mathfun.h}, Cephes polynomials
 * after Julien Pommier's sse_mathfun, zlib licence) work lane by lane in float32, so one lane is restated
 * here in Java float arithmetic. PyTorch's AVX2 build lets the compiler fuse each multiply feeding an add
 * into one FMA; {@link Math#fma} reproduces exactly the fusions it makes.
 *
 * <p>Checked bit for bit against PyTorch 1.13 and 2.6 (AVX2 and AVX-512 dispatch): the shared golden
 * {@code values} and three full Wan-size tensors (see TorchGeneratorGoldenTest).
 */
final class Avx2BoxMuller {
    private static final float TWO_PI = (float) (2.0f * Math.PI);

    // log256_ps: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by a degree-9 polynomial.
    private static final float MIN_NORM = Float.intBitsToFloat(0x00800000);
    private static final float SQRTHF = 0.707106781186547524f;
    private static final float LOG_P0 = 7.0376836292E-2f;
    private static final float LOG_P1 = -1.1514610310E-1f;
    private static final float LOG_P2 = 1.1676998740E-1f;
    private static final float LOG_P3 = -1.2420140846E-1f;
    private static final float LOG_P4 = 1.4249322787E-1f;
    private static final float LOG_P5 = -1.6668057665E-1f;
    private static final float LOG_P6 = 2.0000714765E-1f;
    private static final float LOG_P7 = -2.4999993993E-1f;
    private static final float LOG_P8 = 3.3333331174E-1f;
    private static final float LOG_Q1 = -2.12194440e-4f;
    private static final float LOG_Q2 = 0.693359375f;

    // sincos256_ps: reduce by multiples of pi/4 in three float parts, then a sine or cosine polynomial.
    private static final float FOPI = 1.27323954473516f;
    private static final float DP1 = -0.78515625f;
    private static final float DP2 = -2.4187564849853515625e-4f;
    private static final float DP3 = -3.77489497744594108e-8f;
    private static final float SIN_P0 = -1.9515295891E-4f;
    private static final float SIN_P1 = 8.3321608736E-3f;
    private static final float SIN_P2 = -1.6666654611E-1f;
    private static final float COS_P0 = 2.443315711809948E-005f;
    private static final float COS_P1 = -1.388731625493765E-003f;
    private static final float COS_P2 = 4.166664568298827E-002f;

    private Avx2BoxMuller() {
    }

    /** One block of 16 uniforms to 16 normals: element j gives the radius, element j+8 the angle. */
    static void block16(float[] data, int at) {
        for (int j = 0; j < 8; j++) {
            float u1 = 1.0f - data[at + j];
            float u2 = data[at + j + 8];
            float radius = (float) Math.sqrt(-2.0f * log(u1));
            long sincos = sincos(TWO_PI * u2);
            // normal_fill_16_AVX2 ends with fmadd(n, std, mean), exact for std 1 and mean 0.
            data[at + j] = radius * Float.intBitsToFloat((int) (sincos >>> 32));
            data[at + j + 8] = radius * Float.intBitsToFloat((int) sincos);
        }
    }

    /**
     * One lane of {@code log256_ps} for 0 < x <= 1. Like the vector code it selects with bit masks rather than
     * branches (random inputs would mispredict).
     */
    static float log(float input) {
        float x = Math.max(input, MIN_NORM);
        int bits = Float.floatToRawIntBits(x);
        float e = (float) ((bits >>> 23) - 0x7f) + 1.0f;
        x = Float.intBitsToFloat((bits & ~0x7f800000) | Float.floatToRawIntBits(0.5f)); // mantissa in [0.5, 1)
        // Below sqrt(1/2): e -= 1 and x = x + x - 1; else x = x - 1 (the mask is all ones when x < SQRTHF).
        int below = Float.floatToRawIntBits(x - SQRTHF) >> 31;
        float tmp = Float.intBitsToFloat(Float.floatToRawIntBits(x) & below);
        e = e - Float.intBitsToFloat(Float.floatToRawIntBits(1.0f) & below);
        x = (x - 1.0f) + tmp;
        float z = x * x;
        float y = Math.fma(LOG_P0, x, LOG_P1);
        y = Math.fma(y, x, LOG_P2);
        y = Math.fma(y, x, LOG_P3);
        y = Math.fma(y, x, LOG_P4);
        y = Math.fma(y, x, LOG_P5);
        y = Math.fma(y, x, LOG_P6);
        y = Math.fma(y, x, LOG_P7);
        y = Math.fma(y, x, LOG_P8);
        y = y * x;
        y = Math.fma(y, z, e * LOG_Q1);
        y = Math.fma(-z, 0.5f, y);
        return Math.fma(e, LOG_Q2, x + y);
    }

    /** One lane of {@code sincos256_ps} for x >= 0, as {@code (bits(cos) << 32) | bits(sin)}. */
    static long sincos(float input) {
        int j = (int) (input * FOPI);
        j = (j + 1) & ~1; // an even octant count, so the reduced angle lies in [-pi/4, pi/4]
        float y = (float) j;
        float x = Math.fma(y, DP1, input);
        x = Math.fma(y, DP2, x);
        x = Math.fma(y, DP3, x);
        int sinSign = (j & 4) << 29;
        int cosSign = (~(j - 2) & 4) << 29;
        float z = x * x;

        float cosine = Math.fma(COS_P0, z, COS_P1);
        cosine = Math.fma(cosine, z, COS_P2);
        cosine = cosine * z;
        cosine = Math.fma(cosine, z, -(z * 0.5f));
        cosine = cosine + 1.0f;

        float sine = Math.fma(SIN_P0, z, SIN_P1);
        sine = Math.fma(sine, z, SIN_P2);
        sine = sine * z;
        sine = Math.fma(sine, x, x);

        int swap = -((j >> 1) & 1); // all ones when the sine takes the cosine polynomial and vice versa
        int sineBits = Float.floatToRawIntBits(sine);
        int cosineBits = Float.floatToRawIntBits(cosine);
        int sin = ((sineBits & ~swap) | (cosineBits & swap)) ^ sinSign;
        int cos = ((cosineBits & ~swap) | (sineBits & swap)) ^ cosSign;
        return ((long) cos << 32) | (sin & 0xFFFFFFFFL);
    }
}
