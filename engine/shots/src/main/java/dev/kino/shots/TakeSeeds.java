package dev.kino.shots;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The seed of a take whose seed the shot list does not give.
 *
 * <p>Rule (stable across Kino versions; the Spark job and the server use this same code): the UTF-8 bytes of
 * {@code "kino-take-seed/v1\n" + projectSeed + "\n" + shotName + "\n" + take} (decimal numbers, take counted
 * from 1) are hashed with SHA-256; the seed is the first 8 bytes read as a big-endian number, keeping the low 53
 * bits. 53 bits keep every seed exact in JavaScript and JSON tools, and are still far more seeds than anyone
 * renders. A take's seed therefore depends on its shot's name, not its position: reordering or inserting shots
 * keeps every existing take.
 */
public final class TakeSeeds {
    /** Largest seed a derived take gets: 2^53 - 1. */
    public static final long MAX = (1L << 53) - 1;

    private TakeSeeds() {
    }

    /** The seed of take {@code take} (from 1) of the shot {@code shotName} in a project seeded {@code projectSeed}. */
    public static long derive(long projectSeed, String shotName, int take) {
        String key = "kino-take-seed/v1\n" + projectSeed + "\n" + shotName + "\n" + take;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong() & MAX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
