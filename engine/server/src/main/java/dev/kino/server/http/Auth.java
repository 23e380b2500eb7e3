package dev.kino.server.http;

import dev.kino.KinoException;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The server's one bearer token: made at first start (256 random bits), stored owner-only in {@code token}
 * under the data folder, required on every {@code /api} call. Browsers cannot put a header on a
 * {@code <video src>} or an {@code EventSource}, so the page trades the token for an HttpOnly, SameSite=Strict
 * cookie ({@code POST /api/session}) that is accepted for GET requests only: a state change always needs
 * the header, which no other site can send.
 */
public final class Auth {
    static final String COOKIE = "kino_token";
    private final String token;
    private final boolean created;

    private Auth(String token, boolean created) {
        this.token = token;
        this.created = created;
    }

    /** Reads the token from {@code dataDir/token}, creating it owner-only (0600) at first start. */
    public static Auth load(Path dataDir) {
        Path file = dataDir.resolve("token");
        try {
            if (Files.exists(file)) {
                String t = Files.readString(file, StandardCharsets.US_ASCII).trim();
                if (t.length() < 32) {
                    throw new KinoException("The token file " + file + " is damaged; delete it and restart the "
                            + "server to make a new token.");
                }
                return new Auth(t, false);
            }
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String t = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, t + "\n", StandardCharsets.US_ASCII);
            return new Auth(t, true);
        } catch (FileAlreadyExistsException e) {
            return load(dataDir); // another start made it a moment ago
        } catch (IOException e) {
            throw new KinoException("Cannot read or create the token file " + file + ": " + e.getMessage()
                    + "; check the data folder's permissions.", e);
        }
    }

    public String token() {
        return token;
    }

    /** True when this start made the token (it is shown once, then). */
    public boolean created() {
        return created;
    }

    /** Lets the request through or throws a 401. */
    void check(Context ctx) {
        String header = ctx.header("Authorization");
        String given = null;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = header.substring(7).trim();
        } else if (ctx.method().name().equals("GET") || ctx.method().name().equals("HEAD")) {
            given = ctx.cookie(COOKIE);
        }
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(401, given == null
                    ? "This API needs the server's token: send the header Authorization: Bearer TOKEN (the token is in the data folder's token file)."
                    : "The token is not this server's; use the one in the data folder's token file.");
        }
    }

    /** Sets the page's cookie (after {@link #check} passed on the header). */
    void startSession(Context ctx) {
        ctx.header("Set-Cookie", COOKIE + "=" + token + "; Path=/api; HttpOnly; SameSite=Strict");
    }
}
