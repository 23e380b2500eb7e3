package dev.kino.cli;

import dev.kino.KinoException;
import dev.kino.commandline.ExpertsOption;
import dev.kino.pipeline.ExpertResidency;
import dev.kino.runtime.Device;
import dev.kino.server.KinoServer;
import dev.kino.server.ServerConfig;
import dev.kino.server.work.Workers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code kino serve}: the render server (queue, workers, API, web page) until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the render server: a durable queue with one worker per device, an HTTP API and a web page.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to listen on (default: ${DEFAULT-VALUE}, this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "8188", description = "TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--devices", defaultValue = "auto", paramLabel = "auto|cpu|cuda:0,cuda:1,...|none",
            description = "One worker per device, comma-separated (cpu,cpu gives two CPU workers; none: no workers, "
                    + "jobs are checked and queued but not rendered; default: ${DEFAULT-VALUE}).")
    String devices;

    @Option(names = "--data", defaultValue = "kino-data", paramLabel = "DIR",
            description = "Folder for the queue database, token, videos and checkpoints (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--models", paramLabel = "DIR", description = "Folder of model packages to offer besides the built-in demo model.")
    Path models;

    @Option(names = "--checkpoint-every", defaultValue = "4", paramLabel = "STEPS",
            description = "Steps between checkpoints of a running job (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--models-per-worker", defaultValue = "2", paramLabel = "N",
            description = "Models each worker keeps loaded (default: ${DEFAULT-VALUE}).")
    int modelsPerWorker;

    @Option(names = {"--upload-quota", "--picture-quota"}, defaultValue = "4096", paramLabel = "MIB",
            description = "Room for all uploaded pictures, videos and LoRAs together, in MiB (default: ${DEFAULT-VALUE}).")
    long pictureQuota;

    @Mixin
    ExpertsOption experts;

    @Option(names = "--loras", paramLabel = "DIR", description = "A folder of LoRA .safetensors files jobs may name"
            + " by sha256:HEX without uploading them (GET /api/loras lists them).")
    Path loras;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The server's configuration from the options (devices and {@code --experts} checked). */
    ServerConfig config() {
        ExpertResidency residency = experts.residency();
        List<Device> list = new ArrayList<>();
        for (String d : devices.equals("none") ? new String[0] : devices.split(",")) {
            list.add(Device.parse(d.trim()));
        }
        return new ServerConfig(host, port, list, data, models,
                new Workers.Settings(modelsPerWorker, checkpointEvery, 4), pictureQuota << 20, loras, residency);
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (port < 0 || port > 65535) {
            throw new KinoException("--port must be from 0 to 65535, but " + port + " was given.");
        }
        if (checkpointEvery < 1 || modelsPerWorker < 1) {
            throw new KinoException("--checkpoint-every and --models-per-worker must be at least 1.");
        }
        if (pictureQuota < 1 || pictureQuota > (1L << 40)) {
            throw new KinoException("--upload-quota must be a number of MiB from 1 up, but " + pictureQuota
                    + " was given.");
        }
        ServerConfig config = config();
        List<Device> list = config.devices();
        CountDownLatch stop = new CountDownLatch(1);
        KinoServer server = KinoServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close(); // running jobs go back to the queue and resume at the next start
            stop.countDown();
        }, "kino-serve-shutdown"));
        String url = KinoServer.browserUrl(host, server.port());
        String warning = KinoServer.exposureWarning(host);
        if (warning != null) {
            spec.commandLine().getErr().println(warning);
            spec.commandLine().getErr().flush();
        }
        out.println("Kino server on " + url + (warning == null ? "" : " (listening on " + host + ")") + " with "
                + list.size() + " worker" + (list.size() == 1 ? "" : "s")
                + " (" + devices + "), data in " + data.toAbsolutePath().normalize());
        if (server.recoveredJobs() > 0) {
            out.println("Resuming " + server.recoveredJobs() + " job(s) a stopped server left running.");
        }
        if (server.tokenIsNew()) {
            out.println("API token (shown once; also in " + data.toAbsolutePath().normalize().resolve("token")
                    + "): " + server.token());
            out.println("Open " + url + "#token=" + server.token());
        } else {
            out.println("API token: in " + data.toAbsolutePath().normalize().resolve("token"));
        }
        out.flush();
        stop.await();
        return 0;
    }
}
