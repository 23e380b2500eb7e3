package dev.kino.server.http;

/** A refused request: its HTTP status and one sentence for the client. Nothing was changed. */
public final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    static ApiError bad(String message) {
        return new ApiError(400, message);
    }
}
