package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.tensor.FloatTensor;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A generation stopped between two denoising steps: the latents after {@link #completedSteps()} steps, the
 * scheduler's run state (a multistep solver's history included), the noise generator's state, and the
 * fingerprint of the plan it belongs to. {@link TextToVideoPipeline#generate(GenerationPlan, GenerationOptions)}
 * resumes from it with output bit-identical to an uninterrupted run on the same device.
 *
 * <p>{@link #writeTo} / {@link #readFrom} use a versioned binary format (floats as raw little-endian IEEE
 * bits).
 */
public final class Checkpoint {
    private static final int MAGIC = 0x4B434B50; // "KCKP"
    private static final int VERSION = 1;

    private final String planFingerprint;
    private final int completedSteps;
    private final FloatTensor latents;
    private final byte[] schedulerState;
    private final byte[] generatorState;

    Checkpoint(String planFingerprint, int completedSteps, FloatTensor latents, byte[] schedulerState,
               byte[] generatorState) {
        this.planFingerprint = planFingerprint;
        this.completedSteps = completedSteps;
        this.latents = latents;
        this.schedulerState = schedulerState.clone();
        this.generatorState = generatorState.clone();
    }

    /** {@link GenerationPlan#fingerprint()} of the plan this generation runs. */
    public String planFingerprint() {
        return planFingerprint;
    }

    /** Denoising steps done; the resumed run starts with step {@code completedSteps()} (from 0). */
    public int completedSteps() {
        return completedSteps;
    }

    /** A copy of the latents after the completed steps, {@code [1, C, F, h, w]}. */
    public FloatTensor latents() {
        return latents.copy();
    }

    float[] latentData() {
        return latents.data();
    }

    byte[] schedulerState() {
        return schedulerState;
    }

    byte[] generatorState() {
        return generatorState;
    }

    /** Writes the checkpoint; the stream is not closed. */
    public void writeTo(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(MAGIC);
        d.writeInt(VERSION);
        d.writeUTF(planFingerprint);
        d.writeInt(completedSteps);
        long[] shape = latents.shape();
        d.writeInt(shape.length);
        for (long dim : shape) {
            d.writeLong(dim);
        }
        float[] data = latents.data();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < data.length; ) {
            buf.clear();
            int n = Math.min(data.length - i, buf.capacity() / 4);
            buf.asFloatBuffer().put(data, i, n);
            d.write(buf.array(), 0, n * 4);
            i += n;
        }
        writeBytes(d, schedulerState);
        writeBytes(d, generatorState);
        d.flush();
    }

    /** The checkpoint as bytes ({@link #writeTo} into memory). */
    public byte[] toBytes() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            writeTo(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a checkpoint written by {@link #writeTo}.
     *
     * @throws KinoException when the data is not a checkpoint of this format, or is cut short
     * @throws IOException   when the stream fails
     */
    public static Checkpoint readFrom(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        try {
            if (d.readInt() != MAGIC) {
                throw new KinoException("This is not a Kino checkpoint; pass the file a generation saved.");
            }
            int version = d.readInt();
            if (version != VERSION) {
                throw new KinoException("The checkpoint has format " + version + " but this Kino reads format "
                        + VERSION + "; start the generation again.");
            }
            String fingerprint = d.readUTF();
            int completed = d.readInt();
            int rank = d.readInt();
            if (rank < 1 || rank > 8 || completed < 0) {
                throw damaged();
            }
            long[] shape = new long[rank];
            long n = 1;
            for (int i = 0; i < rank; i++) {
                shape[i] = d.readLong();
                if (shape[i] < 1 || shape[i] > Integer.MAX_VALUE) {
                    throw damaged();
                }
                n *= shape[i];
                if (n > Integer.MAX_VALUE - 8) {
                    throw damaged();
                }
            }
            float[] data = new float[(int) n];
            byte[] chunk = new byte[1 << 16];
            for (int i = 0; i < data.length; ) {
                int count = Math.min(data.length - i, chunk.length / 4);
                d.readFully(chunk, 0, count * 4);
                ByteBuffer.wrap(chunk, 0, count * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data, i, count);
                i += count;
            }
            return new Checkpoint(fingerprint, completed, new FloatTensor(shape, data), readBytes(d), readBytes(d));
        } catch (EOFException e) {
            throw new KinoException("The checkpoint is cut short (the file is incomplete); start the generation again.");
        }
    }

    /** Reads a checkpoint from {@link #toBytes}'s bytes. */
    public static Checkpoint fromBytes(byte[] bytes) {
        try {
            return readFrom(new java.io.ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeBytes(DataOutputStream d, byte[] b) throws IOException {
        d.writeInt(b.length);
        d.write(b);
    }

    private static byte[] readBytes(DataInputStream d) throws IOException {
        int n = d.readInt();
        if (n < 0 || n > Integer.MAX_VALUE - 8) {
            throw damaged();
        }
        byte[] b = d.readNBytes(n);
        if (b.length != n) {
            throw new EOFException();
        }
        return b;
    }

    private static KinoException damaged() {
        return new KinoException("The checkpoint is damaged; start the generation again.");
    }
}
