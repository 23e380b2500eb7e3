package dev.kino.server;

import dev.kino.pipeline.ExpertResidency;
import dev.kino.runtime.Device;
import dev.kino.server.work.UploadedFiles;
import dev.kino.server.work.Workers;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How to run a server.
 *
 * @param host     interface to listen on (127.0.0.1: this machine only)
 * @param port     TCP port (0: any free one)
 * @param devices  one worker per entry
 * @param dataDir  the database, token, videos and checkpoints
 * @param modelsDir folder of model packages offered besides the built-in {@code demo}, or null
 * @param work     per-worker tuning
 * @param pictureQuota bytes all uploaded files (pictures, videos, LoRAs) together may use
 * @param lorasDir  folder of LoRA files offered without an upload ({@code --loras}), or null
 * @param experts   how every model a worker loads keeps a mixture's experts ({@code --experts}); each loaded
 *                  model decides {@link ExpertResidency#AUTO} on its own, against the memory free when it loads
 */
public record ServerConfig(String host, int port, List<Device> devices, Path dataDir, Path modelsDir,
                           Workers.Settings work, long pictureQuota, Path lorasDir, ExpertResidency experts) {

    public ServerConfig {
        devices = List.copyOf(devices);
        Objects.requireNonNull(experts, "experts");
    }

    /** A configuration whose models decide their experts' residency by memory ({@link ExpertResidency#AUTO}). */
    public ServerConfig(String host, int port, List<Device> devices, Path dataDir, Path modelsDir,
                        Workers.Settings work, long pictureQuota, Path lorasDir) {
        this(host, port, devices, dataDir, modelsDir, work, pictureQuota, lorasDir, ExpertResidency.AUTO);
    }

    /** A configuration with the default upload quota ({@link UploadedFiles#DEFAULT_QUOTA}) and no LoRA folder. */
    public ServerConfig(String host, int port, List<Device> devices, Path dataDir, Path modelsDir, Workers.Settings work) {
        this(host, port, devices, dataDir, modelsDir, work, UploadedFiles.DEFAULT_QUOTA, null);
    }

    /** A configuration without a LoRA folder. */
    public ServerConfig(String host, int port, List<Device> devices, Path dataDir, Path modelsDir, Workers.Settings work,
                        long pictureQuota) {
        this(host, port, devices, dataDir, modelsDir, work, pictureQuota, null);
    }
}
