package dev.kino.noise;

/**
 * The 32-bit Mersenne Twister (MT19937) exactly as PyTorch's {@code at::mt19937} runs it: the standard
 * Matsumoto-Nishimura generator seeded with the low 32 bits of the seed, so that its raw stream equals
 * {@code std::mt19937(seed)} and PyTorch's CPU generator draw for draw.
 *
 * <p>Values are unsigned 32-bit integers carried in a Java {@code int}; callers mask with
 * {@code & 0xFFFFFFFFL} where the sign matters.
 */
final class Mt19937 {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private final int[] state = new int[N];
    /** Next state word to temper; {@code N} means the block is used up and must be regenerated. */
    private int next;

    Mt19937(long seed) {
        // PyTorch keeps a 64-bit seed but the engine only ever sees its low 32 bits (init_with_uint32).
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            int prev = state[j - 1];
            state[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
        }
        next = N;
    }

    /** A copy of the 624 state words followed by the position of the next word (for a checkpoint). */
    int[] snapshot() {
        int[] copy = java.util.Arrays.copyOf(state, N + 1);
        copy[N] = next;
        return copy;
    }

    /** An engine continuing exactly where {@link #snapshot} was taken. */
    static Mt19937 fromSnapshot(int[] snapshot) {
        if (snapshot.length != N + 1 || snapshot[N] < 0 || snapshot[N] > N) {
            throw new IllegalArgumentException("not an MT19937 snapshot");
        }
        Mt19937 mt = new Mt19937(0);
        System.arraycopy(snapshot, 0, mt.state, 0, N);
        mt.next = snapshot[N];
        return mt;
    }

    /** The next raw 32-bit output (unsigned, in an int). */
    int nextInt() {
        if (next >= N) {
            twist();
        }
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /**
     * Fills {@code out[from, to)} with float uniforms in [0, 1) from the next outputs, as PyTorch's
     * {@code uniform_real_distribution<float>} makes them: the low 24 bits times 2^-24 (exact). Equivalent to
     * calling {@link #nextInt} per element, in tight loops over the current block of state.
     */
    void nextFloats24(float[] out, int from, int to) {
        while (from < to) {
            if (next >= N) {
                twist();
            }
            int run = Math.min(N - next, to - from);
            for (int k = 0; k < run; k++) {
                int y = state[next + k];
                y ^= y >>> 11;
                y ^= (y << 7) & 0x9d2c5680;
                y ^= (y << 15) & 0xefc60000;
                y ^= y >>> 18;
                out[from + k] = (y & 0xFFFFFF) * 0x1p-24f;
            }
            next += run;
            from += run;
        }
    }

    /** Regenerates the whole block of 624 state words (the "twist"); later words use already-new ones. */
    private void twist() {
        int k = 0;
        for (; k < N - M; k++) {
            state[k] = state[k + M] ^ mix(state[k], state[k + 1]);
        }
        for (; k < N - 1; k++) {
            state[k] = state[k + M - N] ^ mix(state[k], state[k + 1]);
        }
        state[N - 1] = state[M - 1] ^ mix(state[N - 1], state[0]);
        next = 0;
    }

    /** The upper bit of one word with the lower 31 of the next, shifted, xor the matrix when odd. */
    private static int mix(int upper, int lower) {
        int y = (upper & UPPER_MASK) | (lower & LOWER_MASK);
        return (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
}
