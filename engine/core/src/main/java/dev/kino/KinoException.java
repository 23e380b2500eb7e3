package dev.kino;

/**
 * A problem the user can fix: a missing model file, a manifest that disagrees with its ONNX graphs, a frame
 * count the model cannot make, an output path that cannot be written. The message is one plain sentence that
 * names the problem and the fix; the command line prints it without a stack trace and exits non-zero.
 *
 * <p>Anything else that escapes the engine is a bug in Kino and is reported with its stack trace.
 */
public class KinoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one sentence naming the problem and the fix */
    public KinoException(String message) {
        super(message);
    }

    /**
     * @param message one sentence naming the problem and the fix
     * @param cause   the underlying failure, kept for debugging
     */
    public KinoException(String message, Throwable cause) {
        super(message, cause);
    }
}
