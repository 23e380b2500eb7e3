package dev.kino.server;

import dev.kino.runtime.Device;
import dev.kino.server.work.Workers;

import java.nio.file.Path;
import java.util.List;

/**
 * How to run a server.
 *
 * @param host     interface to listen on (127.0.0.1: this machine only)
 * @param port     TCP port (0: any free one)
 * @param devices  one worker per entry
 * @param dataDir  the database, token, videos and checkpoints
 * @param modelsDir folder of model packages offered besides the built-in {@code demo}, or null
 * @param work     per-worker tuning
 */
public record ServerConfig(String host, int port, List<Device> devices, Path dataDir, Path modelsDir,
                           Workers.Settings work) {

    public ServerConfig {
        devices = List.copyOf(devices);
    }
}
