package dev.kino.server;

import dev.kino.KinoException;
import dev.kino.server.http.Api;
import dev.kino.server.http.Auth;
import dev.kino.server.http.EventHub;
import dev.kino.server.http.Services;
import dev.kino.server.queue.Database;
import dev.kino.server.queue.Housekeeping;
import dev.kino.server.queue.JobStore;
import dev.kino.server.queue.ProjectStore;
import dev.kino.server.work.ModelCatalog;
import dev.kino.server.work.LoraFolder;
import dev.kino.server.work.UploadedFiles;
import dev.kino.server.work.Workers;
import io.javalin.Javalin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kino's render server: a durable queue in SQLite under the data folder, one worker per device, the HTTP/SSE
 * API and the web page. At start, jobs a killed server left running go back to the queue and resume from
 * their checkpoints.
 *
 * <pre>{@code
 * try (KinoServer server = KinoServer.start(config)) {
 *     System.out.println("http://" + config.host() + ":" + server.port() + "/  token " + server.token());
 *     server.awaitShutdown();
 * }
 * }</pre>
 */
public final class KinoServer implements AutoCloseable {
    private final DataFolder folder;
    private final Janitor janitor;
    private final EventHub events;
    private final JobStore store;
    private final ModelCatalog catalog;
    private final Workers workers;
    private final Javalin http;
    private final Auth auth;
    private final int recovered;

    private KinoServer(DataFolder folder, Janitor janitor, EventHub events, JobStore store, ModelCatalog catalog, Workers workers, Javalin http, Auth auth,
                       int recovered) {
        this.folder = folder;
        this.janitor = janitor;
        this.events = events;
        this.store = store;
        this.catalog = catalog;
        this.workers = workers;
        this.http = http;
        this.auth = auth;
        this.recovered = recovered;
    }

    /** Opens the data folder, recovers the queue, starts the workers and the HTTP server. */
    public static KinoServer start(ServerConfig config) {
        Path data = config.dataDir().toAbsolutePath().normalize();
        probePort(config.host(), config.port()); // before anything is written: the token is shown only once
        if (config.modelsDir() != null && !Files.isDirectory(config.modelsDir())) {
            throw new KinoException("The models folder " + config.modelsDir() + " does not exist; give a folder of "
                    + "model packages or leave --models out.");
        }
        DataFolder folder = DataFolder.open(data); // refuses while another server holds it
        Auth auth;
        JobStore store;
        EventHub events = new EventHub();
        try {
            auth = Auth.load(data);
            store = new JobStore(Database.open(folder.database()), Database.openReader(folder.database()), events);
        } catch (RuntimeException e) {
            events.close();
            folder.close();
            throw e;
        }
        ModelCatalog catalog = new ModelCatalog(config.modelsDir());
        Workers workers = null;
        Janitor janitor = null;
        try {
            int recovered = store.recover();
            workers = new Workers(store, catalog, config.devices(), data, events, config.work(), config.experts());
            LoraFolder loras = config.lorasDir() == null ? null : LoraFolder.of(config.lorasDir());
            Services services = new Services(store, new ProjectStore(store), catalog, workers, events, auth, data,
                    new UploadedFiles(data, config.pictureQuota(), loras), loras);
            janitor = new Janitor(services.uploads(), new Housekeeping(store));
            Javalin http = Api.start(services, config.host(), config.port());
            workers.start();
            return new KinoServer(folder, janitor, events, store, catalog, workers, http, auth, recovered);
        } catch (RuntimeException e) {
            if (workers != null) {
                workers.close();
            }
            if (janitor != null) {
                janitor.close();
            }
            catalog.close();
            store.close();
            events.close();
            folder.close();
            if (e instanceof KinoException) {
                throw e;
            }
            if (e instanceof io.javalin.util.JavalinBindException) {
                throw inUse(config.host(), config.port(), e);
            }
            throw e;
        }
    }

    private static void probePort(String host, int port) {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.net.BindException e) {
            throw inUse(host, port, e);
        } catch (IOException e) {
            throw new KinoException("Cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "); check --host and --port.", e);
        }
    }

    private static KinoException inUse(String host, int port, Exception cause) {
        return new KinoException("The port " + port + " on " + host + " is in use; stop what uses it or choose "
                + "another --port.", cause);
    }

    /**
     * The one-sentence warning for a server that listens beyond this machine, or null for a loopback {@code host}.
     * Anyone who can reach the port can try the token, and plain HTTP carries it and every video unencrypted.
     */
    public static String exposureWarning(String host) {
        if (loopback(host)) {
            return null;
        }
        return "Warning: --host " + host + " lets other machines reach this server over plain HTTP, so the token, "
                + "prompts and videos cross the network unencrypted; keep the default 127.0.0.1 and use an SSH tunnel "
                + "or a TLS proxy unless this network is trusted.";
    }

    /** The address a browser on this machine opens: a wildcard host (0.0.0.0, ::) is no address to open. */
    public static String browserUrl(String host, int port) {
        String h = host;
        try {
            if (java.net.InetAddress.getByName(host).isAnyLocalAddress()) {
                h = "127.0.0.1";
            }
        } catch (java.net.UnknownHostException e) {
            // the server could not have started on it; show it as given
        }
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port + "/";
    }

    private static boolean loopback(String host) {
        try {
            for (java.net.InetAddress a : java.net.InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    public int port() {
        return http.port();
    }

    public String token() {
        return auth.token();
    }

    /** True when this start created the token (show it to the user now; it is not shown again). */
    public boolean tokenIsNew() {
        return auth.created();
    }

    /** Jobs a previous, killed server had running, put back in the queue at this start. */
    public int recoveredJobs() {
        return recovered;
    }

    /** Stops accepting requests, stops the workers (running jobs go back to the queue) and closes the database. */
    @Override
    public void close() {
        http.stop();
        janitor.close();
        workers.close();
        events.close();
        catalog.close();
        store.close();
        folder.close(); // last: another server may take the folder once the database is closed
    }
}
