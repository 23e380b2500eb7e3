package dev.kino.server;

import dev.kino.runtime.Device;
import dev.kino.server.work.UploadedPictures;
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
 * @param pictureQuota bytes all uploaded pictures together may use
 */
public record ServerConfig(String host, int port, List<Device> devices, Path dataDir, Path modelsDir,
                           Workers.Settings work, long pictureQuota) {

    public ServerConfig {
        devices = List.copyOf(devices);
    }

    /** A configuration with the default upload quota ({@link UploadedPictures#DEFAULT_QUOTA}). */
    public ServerConfig(String host, int port, List<Device> devices, Path dataDir, Path modelsDir, Workers.Settings work) {
        this(host, port, devices, dataDir, modelsDir, work, UploadedPictures.DEFAULT_QUOTA);
    }
}
