package dev.kino.bench.serve;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** SSE listeners on {@code /api/events}, reconnecting after a restart, counting the events they receive. */
final class Listeners implements AutoCloseable {
    private final AtomicLong events = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    Listeners(String base, String token, int n) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/events"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                while (!closed) {
                    try {
                        http.send(req, HttpResponse.BodyHandlers.ofLines()).body().forEach(line -> {
                            if (line.startsWith("event:")) {
                                events.incrementAndGet();
                            }
                        });
                    } catch (Exception e) {
                        // the server is down: reconnect
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "sse-listener-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    long events() {
        return events.get();
    }

    @Override
    public void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
    }
}
