package dev.kino.server.http;

import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends a file honouring one HTTP byte range ({@code Range: bytes=a-b}, {@code a-}, {@code -n}): 206 with
 * exactly those bytes, 416 for a range outside the file, the whole file (200) without a Range header. Several
 * ranges in one header are answered with the whole file, which HTTP allows and browsers never ask for.
 */
final class Ranges {
    private static final Pattern ONE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    private Ranges() {
    }

    static void send(Context ctx, Path file, String type) throws IOException {
        long size = Files.size(file);
        long start = 0;
        long end = size - 1;
        String range = ctx.header("Range");
        boolean partial = false;
        if (range != null) {
            Matcher m = ONE.matcher(range.trim());
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                if (m.group(1).isEmpty()) {
                    start = Math.max(0, size - parse(m.group(2)));
                } else {
                    start = parse(m.group(1));
                    end = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, parse(m.group(2)));
                }
                if (start >= size || start > end) {
                    ctx.header("Content-Range", "bytes */" + size);
                    throw new ApiError(416, "The range " + Requests.shown(range) + " lies outside the video's "
                            + size + " bytes.");
                }
                partial = true;
            }
        }
        ctx.header("Accept-Ranges", "bytes");
        ctx.contentType(type);
        long length = end - start + 1;
        if (partial) {
            ctx.status(206);
            ctx.header("Content-Range", "bytes " + start + "-" + end + "/" + size);
        }
        ctx.header("Content-Length", Long.toString(length));
        if (ctx.method().name().equals("HEAD")) {
            return;
        }
        try (InputStream in = Files.newInputStream(file); OutputStream out = ctx.outputStream()) {
            in.skipNBytes(start);
            byte[] buf = new byte[64 * 1024];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    private static long parse(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // more digits than any file has bytes: outside the file
        }
    }
}
