package dev.kino.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Successive calls continue PyTorch's stream: how many raw draws each call consumes decides what the next
 * call sees, which is what makes ancestral samplers reproduce diffusers after the initial noise.
 */
class TorchGeneratorStreamTest {

    /** PyTorch's 512-element randn for a seed: 512 uniforms in order, Box-Muller per block of 16. */
    private static float[] golden512(long seed) throws IOException {
        try (InputStream in = TorchGeneratorStreamTest.class.getResourceAsStream("/golden/torch_randn.json")) {
            for (JsonNode e : new ObjectMapper().readTree(in).get("entries")) {
                if (e.get("seed").asLong() == seed && e.get("shape").toString().equals("[1,4,2,8,8]")) {
                    JsonNode v = e.get("values_scalar_kernel");
                    float[] out = new float[v.size()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = Float.parseFloat(v.get(i).asText());
                    }
                    return out;
                }
            }
        }
        throw new AssertionError("golden entry seed " + seed + " [1,4,2,8,8] missing");
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6, "element " + i);
        }
    }

    @Test
    void twoBlockCallsContinueLikeOneLongCall() throws IOException {
        // randn(16) consumes 16 draws, so a second randn(16) sees draws 16..31: block 2 of randn(512).
        float[] g = golden512(42);
        TorchGenerator gen = TorchGenerator.seeded(42);
        float[] first = gen.randn(16);
        float[] second = gen.randn(16);
        assertClose(Arrays.copyOfRange(g, 0, 16), first);
        assertClose(Arrays.copyOfRange(g, 16, 32), second);
    }

    @Test
    void scalarPathConsumesTwoDrawsPerUniformPair() throws IOException {
        // randn(7) uses 4 double pairs = 16 raw 32-bit draws; the next vector-path call starts at draw 16.
        float[] g = golden512(0);
        TorchGenerator gen = TorchGenerator.seeded(0);
        gen.randn(7);
        assertClose(Arrays.copyOfRange(g, 16, 32), gen.randn(16));
    }

    @Test
    void cachedSecondNormalIsServedByTheNextScalarCall() {
        // PyTorch caches the sine half of the last pair: randn(7) then randn(1) equals randn(8).
        TorchGenerator split = TorchGenerator.seeded(7);
        float[] a = split.randn(7);
        float[] b = split.randn(1);
        float[] whole = TorchGenerator.seeded(7).randn(8);
        assertArrayEquals(Arrays.copyOf(whole, 7), a);
        assertEquals(whole[7], b[0]);
        // Both paths consumed the same 16 draws, so what follows is identical too.
        assertArrayEquals(afterEight(7), split.randn(16));
    }

    private static float[] afterEight(long seed) {
        TorchGenerator g = TorchGenerator.seeded(seed);
        g.randn(8);
        return g.randn(16);
    }

    @Test
    void rangeFillEqualsAFreshTensorOfThatSize() {
        float[] big = new float[40];
        Arrays.fill(big, -99f);
        TorchGenerator.seeded(3).randn(big, 5, 20);
        assertArrayEquals(TorchGenerator.seeded(3).randn(20), Arrays.copyOfRange(big, 5, 25));
        assertEquals(-99f, big[4]);
        assertEquals(-99f, big[25]);
        assertThrows(IndexOutOfBoundsException.class, () -> TorchGenerator.seeded(3).randn(big, 30, 20));
    }

    @Test
    void negativeSeedsUseTheLow32BitsLikePyTorch() {
        // PyTorch reads a negative seed as its 64-bit two's complement; the engine keeps the low 32 bits.
        assertArrayEquals(TorchGenerator.seeded(0xFFFFFFFFL).randn(32), TorchGenerator.seeded(-1L).randn(32));
        assertNotEquals(TorchGenerator.seeded(1).randn(32)[0], TorchGenerator.seeded(2).randn(32)[0]);
    }

    @Test
    void randIsTheFloatUniformStream() {
        // torch.rand keeps the low 24 bits of each draw; randn's first 16 uniforms are the same draws.
        float[] u = new float[16];
        TorchGenerator.seeded(5).rand(u);
        for (float x : u) {
            assertEquals(0, x * (1 << 24) % 1, "uniform is a multiple of 2^-24");
        }
        float u1 = 1 - u[0];
        float expected = (float) Math.sqrt(-2f * (float) Math.log(u1)) * (float) Math.cos((float) (2 * Math.PI * u[8]));
        assertEquals(expected, TorchGenerator.seeded(5).randn(16)[0], 1e-6);
    }

    @Test
    void largeFillsEqualTheSequentialAlgorithm() {
        // Large fills transform their blocks on several threads; the result must be the plain sequential
        // normal_fill: all uniforms in order, Box-Muller per block of 16, the tail block redrawn.
        int n = 100_003;
        float[] parallel = TorchGenerator.seeded(11).randn(n);
        Mt19937 mt = new Mt19937(11);
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            expected[i] = (mt.nextInt() & 0xFFFFFF) * 0x1p-24f;
        }
        for (int b = 0; b + 16 <= n; b += 16) {
            TorchGenerator.boxMuller16(expected, b);
        }
        for (int i = n - 16; i < n; i++) {
            expected[i] = (mt.nextInt() & 0xFFFFFF) * 0x1p-24f;
        }
        TorchGenerator.boxMuller16(expected, n - 16);
        assertArrayEquals(expected, parallel);
    }

    /** Killed mutants of PIT: saveState/fromState must carry the pending second normal of the scalar path. */
    @Test
    void stateSavedWithAPendingNormalContinuesBitForBit() {
        TorchGenerator uninterrupted = TorchGenerator.seeded(11);
        TorchGenerator first = TorchGenerator.seeded(11);
        float[] a = new float[3];
        uninterrupted.randn(a, 0, 3);           // three scalar normals: the fourth is cached
        first.randn(new float[3], 0, 3);
        TorchGenerator resumed = TorchGenerator.fromState(first.saveState());
        float[] expected = new float[20];
        float[] actual = new float[20];
        uninterrupted.randn(expected, 0, 1);    // served from the cache
        uninterrupted.randn(expected, 1, 19);
        resumed.randn(actual, 0, 1);
        resumed.randn(actual, 1, 19);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
    }

    /** A fresh generator's state (no draw yet: the engine's index at N) restores too. */
    @Test
    void freshStateRestores() {
        float[] expected = TorchGenerator.seeded(5).randn(40);
        float[] actual = TorchGenerator.fromState(TorchGenerator.seeded(5).saveState()).randn(40);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
    }
}
