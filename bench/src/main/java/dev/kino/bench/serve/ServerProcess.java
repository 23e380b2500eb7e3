package dev.kino.bench.serve;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A {@code kino serve} in its own JVM, started and killed like a real deployment's. */
final class ServerProcess {
    private final Process process;
    private final String token;

    private ServerProcess(Process process, String token) {
        this.process = process;
        this.token = token;
    }

    /** A port no one listens on now, for the server to take. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static ServerProcess start(Path kinoJar, Path data, int port, String devices, String... more) throws IOException {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", kinoJar.toString(), "serve",
                "--port", Integer.toString(port), "--devices", devices, "--data", data.toString()));
        command.addAll(java.util.List.of(more));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.startsWith("API token")) {
                break;
            }
        }
        if (line == null) {
            throw new IOException("kino serve did not start:\n" + seen);
        }
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
        drain.setDaemon(true);
        drain.start();
        return new ServerProcess(p, Files.readString(data.resolve("token")).trim());
    }

    /** The server's process id (its memory is read from /proc). */
    long pid() {
        return process.pid();
    }

    String token() {
        return token;
    }

    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    void stop() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
