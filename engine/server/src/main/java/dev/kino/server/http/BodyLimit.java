package dev.kino.server.http;

import dev.kino.server.work.UploadedFiles;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.IOException;

/**
 * Every request body is counted as it is read, so a limit holds whether the client announced the length or sent
 * the body in chunks ({@code Transfer-Encoding: chunked}, no length up front): reading past it stops with a 413
 * and a sentence, and nothing is stored. Uploads ({@code POST /api/pictures}, {@code /api/videos},
 * {@code /api/loras}) have their own, larger limits ({@link UploadedFiles.Kind#maxBytes}).
 */
final class BodyLimit implements Filter {
    private final long json;

    BodyLimit(long json) {
        this.json = json;
    }

    /** The limit of a request to {@code path}. */
    long limit(String path) {
        UploadedFiles.Kind upload = UploadedFiles.Kind.at(path);
        return upload != null ? upload.maxBytes : json;
    }

    /** The sentence for a body over the limit of {@code path}. */
    String tooLarge(String path) {
        UploadedFiles.Kind upload = UploadedFiles.Kind.at(path);
        return upload != null ? upload.tooLarge()
                : "The request body is larger than " + (json >> 20) + " MiB; send a smaller shot list or split the project.";
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest r = (HttpServletRequest) request;
        String path = r.getRequestURI();
        chain.doFilter(new Limited(r, limit(path), tooLarge(path)), response);
    }

    private static final class Limited extends HttpServletRequestWrapper {
        private final long limit;
        private final String message;
        private ServletInputStream in;

        Limited(HttpServletRequest request, long limit, String message) {
            super(request);
            this.limit = limit;
            this.message = message;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (in == null) {
                in = new Counted(super.getInputStream(), limit, message);
            }
            return in;
        }
    }

    private static final class Counted extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private final String message;
        private long read;

        Counted(ServletInputStream in, long limit, String message) {
            this.in = in;
            this.limit = limit;
            this.message = message;
        }

        private int count(int n) {
            if (n > 0) {
                read += n;
                if (read > limit) {
                    throw new ApiError(413, message);
                }
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return count(in.read(b, off, len));
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
