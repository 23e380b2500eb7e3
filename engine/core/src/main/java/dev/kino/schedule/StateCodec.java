package dev.kino.schedule;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes and reads a scheduler's run state as bytes: counters, flags and float arrays (null kept as null),
 * floats as raw IEEE bits so a restored run continues bit for bit.
 */
final class StateCodec {
    private StateCodec() {
    }

    /** The writing side, over an in-memory buffer. */
    static final class Writer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(bytes);

        Writer putInt(int v) {
            try {
                out.writeInt(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer putBoolean(boolean v) {
            return putInt(v ? 1 : 0);
        }

        Writer putString(String s) {
            try {
                out.writeUTF(s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer putFloats(float[] a) {
            if (a == null) {
                return putInt(-1);
            }
            putInt(a.length);
            ByteBuffer buf = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(a);
            try {
                out.write(buf.array());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        byte[] toBytes() {
            return bytes.toByteArray();
        }
    }

    /** The reading side; every malformed input ends in a {@link SchedulerException}. */
    static final class Reader {
        private final DataInputStream in;

        Reader(byte[] data) {
            this.in = new DataInputStream(new ByteArrayInputStream(data));
        }

        int getInt() {
            try {
                return in.readInt();
            } catch (IOException e) {
                throw corrupt();
            }
        }

        boolean getBoolean() {
            return getInt() != 0;
        }

        String getString() {
            try {
                return in.readUTF();
            } catch (IOException e) {
                throw corrupt();
            }
        }

        /** A float array, reusing {@code into} when it has the right length. */
        float[] getFloats(float[] into) {
            int n = getInt();
            if (n == -1) {
                return null;
            }
            if (n < 0) {
                throw corrupt();
            }
            try {
                byte[] raw = in.readNBytes(Math.multiplyExact(n, 4));
                if (raw.length != n * 4) {
                    throw corrupt();
                }
                float[] a = into != null && into.length == n ? into : new float[n];
                ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(a);
                return a;
            } catch (IOException | ArithmeticException e) {
                throw corrupt();
            }
        }

        void end() {
            try {
                if (in.read() != -1) {
                    throw corrupt();
                }
            } catch (IOException e) {
                throw corrupt();
            }
        }

        private static SchedulerException corrupt() {
            return new SchedulerException("The saved scheduler state is damaged or from another Kino version; "
                    + "start the generation again.");
        }
    }
}
