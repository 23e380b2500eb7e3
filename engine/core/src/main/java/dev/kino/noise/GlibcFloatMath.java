package dev.kino.noise;

/**
 * {@code logf}, {@code sinf} and {@code cosf} computed exactly as glibc computes them on x86-64 (its FMA
 * build, chosen on every CPU with AVX2), so that Kino's noise equals PyTorch's scalar CPU kernel bit for bit.
 *
 * <p>glibc's float functions (since 2.28; from Arm's optimized-routines, MIT licensed) evaluate short
 * double-precision polynomials and round once to float. They are not correctly rounded (up to 0.82 ulp for
 * logf, 0.56 ulp for sinf/cosf), so {@code (float) Math.log(x)} disagrees with them on about 1.5% of the
 * uniforms PyTorch draws. This class restates the algorithms with their published coefficients, using
 * {@link Math#fma} where the compiler fuses {@code a*b + c}; being plain IEEE arithmetic it gives the same
 * bits on every JVM and CPU, and it is several times faster than {@link StrictMath}.
 *
 * <p>Only the inputs PyTorch's Box-Muller produces are supported: logf of (0, 1], sinf/cosf of [0, 120).
 */
final class GlibcFloatMath {
    // logf: log(x) = log1p(z/c - 1) + log(c) + k*ln2, with z/c near 1 and a 16-entry table of (1/c, log c).
    private static final int LOGF_OFF = 0x3f330000;
    private static final double LN2 = 0x1.62e42fefa39efp-1;
    private static final double A0 = -0x1.00ea348b88334p-2;
    private static final double A1 = 0x1.5575b0be00b6ap-2;
    private static final double A2 = -0x1.ffffef20a4123p-2;
    private static final double[] INVC = {
        0x1.661ec79f8f3bep+0, 0x1.571ed4aaf883dp+0, 0x1.49539f0f010bp+0, 0x1.3c995b0b80385p+0,
        0x1.30d190c8864a5p+0, 0x1.25e227b0b8eap+0, 0x1.1bb4a4a1a343fp+0, 0x1.12358f08ae5bap+0,
        0x1.0953f419900a7p+0, 0x1p+0, 0x1.e608cfd9a47acp-1, 0x1.ca4b31f026aap-1,
        0x1.b2036576afce6p-1, 0x1.9c2d163a1aa2dp-1, 0x1.886e6037841edp-1, 0x1.767dcf5534862p-1};
    private static final double[] LOGC = {
        -0x1.57bf7808caadep-2, -0x1.2bef0a7c06ddbp-2, -0x1.01eae7f513a67p-2, -0x1.b31d8a68224e9p-3,
        -0x1.6574f0ac07758p-3, -0x1.1aa2bc79c81p-3, -0x1.a4e76ce8c0e5ep-4, -0x1.1973c5a611cccp-4,
        -0x1.252f438e10c1ep-5, 0x0p+0, 0x1.aa5aa5df25984p-5, 0x1.c5e53aa362eb4p-4,
        0x1.526e57720db08p-3, 0x1.bc2860d22477p-3, 0x1.1058bc8a07ee1p-2, 0x1.4043057b6ee09p-2};

    // sinf/cosf: reduce by multiples of pi/2, then sine or cosine polynomials in double.
    private static final double HPI_INV = 0x1.45F306DC9C883p+23; // 2/pi * 2^24
    private static final double HPI = 0x1.921FB54442D18p0;
    private static final double S1 = -0x1.555545995a603p-3;
    private static final double S2 = 0x1.1107605230bc4p-7;
    private static final double S3 = -0x1.994eb3774cf24p-13;
    private static final double C1 = -0x1.ffffffd0c621cp-2;
    private static final double C2 = 0x1.55553e1068f19p-5;
    private static final double C3 = -0x1.6c087e89a359dp-10;
    private static final double C4 = 0x1.99343027bf8c3p-16;

    private GlibcFloatMath() {
    }

    /** glibc's logf for a normal positive x. */
    static float logf(float x) {
        int ix = Float.floatToRawIntBits(x);
        if (ix == 0x3f800000) {
            return 0f;
        }
        int tmp = ix - LOGF_OFF;
        int i = (tmp >>> (23 - 4)) & 15;
        int k = tmp >> 23;
        int iz = ix - (tmp & (0x1ff << 23));
        double z = Float.intBitsToFloat(iz);
        double r = Math.fma(z, INVC[i], -1.0);
        double y0 = Math.fma(k, LN2, LOGC[i]);
        double r2 = r * r;
        double y = Math.fma(A1, r, A2);
        y = Math.fma(A0, r2, y);
        y = Math.fma(y, r2, y0 + r);
        return (float) y;
    }

    /** glibc's sinf for 0 <= y < 120. */
    static float sinf(float y) {
        return Float.intBitsToFloat((int) sincos(y));
    }

    /** glibc's cosf for 0 <= y < 120. */
    static float cosf(float y) {
        return Float.intBitsToFloat((int) (sincos(y) >>> 32));
    }

    /**
     * glibc's sinf and cosf of one 0 <= y < 120 together, as {@code (bits(cosf) << 32) | bits(sinf)}.
     *
     * <p>Both functions reduce y to {@code r = y - n*pi/2} the same way, pick the same sign and coefficient
     * table from n, and evaluate either the sine polynomial of {@code r*sign} or the cosine polynomial of
     * {@code r^2}; cosf just swaps the two by using n^1. So one reduction and both polynomials give both
     * results bit for bit. glibc's separate path for y < pi/4 (no reduction, n = 0) and for tiny y (y itself,
     * 1) give the same values as the general path there, so there is no data-dependent branch at all
     * (checked on every input in GlibcFloatMathTest); random angles would otherwise mispredict often.
     */
    static long sincos(float y) {
        double x = y;
        int n = (((int) (x * HPI_INV)) + 0x800000) >> 24; // nearest multiple of pi/2, via 2^24 scaling
        double r = Math.fma(-n, HPI, x);
        double sign = 1 - 2 * (((n + 1) >> 1) & 1); // glibc's {1, -1, -1, 1}[n & 3]
        double table = 1 - 2 * ((n >> 1) & 1); // quadrants 2 and 3 use the negated cosine table
        double r2 = r * r;
        int sine = Float.floatToRawIntBits(sinePoly(r * sign, r2));
        int cosine = Float.floatToRawIntBits(cosinePoly(r2, table));
        int odd = -(n & 1); // all ones when the polynomials swap roles
        int sin = (sine & ~odd) | (cosine & odd);
        int cos = (cosine & ~odd) | (sine & odd);
        return ((long) cos << 32) | (sin & 0xFFFFFFFFL);
    }

    /** {@code sinf_poly} for even n: {@code x + x^3 S1 + x^7 (S2 + x^2 S3)}, fused as glibc's FMA build does. */
    private static float sinePoly(double x, double x2) {
        double x3 = x * x2;
        double s1 = Math.fma(x2, S3, S2);
        double x7 = x3 * x2;
        double s = Math.fma(x3, S1, x);
        return (float) Math.fma(x7, s1, s);
    }

    /** {@code sinf_poly} for odd n: the cosine polynomial in x^2, every coefficient times k = +-1. */
    private static float cosinePoly(double x2, double k) {
        double x4 = x2 * x2;
        double p2 = Math.fma(x2, k * C4, k * C3);
        double p1 = Math.fma(x2, k * C1, k);
        double x6 = x4 * x2;
        double c = Math.fma(x4, k * C2, p1);
        return (float) Math.fma(x6, p2, c);
    }
}
