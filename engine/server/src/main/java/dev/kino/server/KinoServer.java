package dev.kino.server;

import dev.kino.KinoException;
import dev.kino.server.http.Api;
import dev.kino.server.http.Auth;
import dev.kino.server.http.EventHub;
import dev.kino.server.http.Services;
import dev.kino.server.queue.Database;
import dev.kino.server.queue.JobStore;
import dev.kino.server.queue.ProjectStore;
import dev.kino.server.work.ModelCatalog;
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
    private final EventHub events;
    private final JobStore store;
    private final ModelCatalog catalog;
    private final Workers workers;
    private final Javalin http;
    private final Auth auth;
    private final int recovered;

    private KinoServer(EventHub events, JobStore store, ModelCatalog catalog, Workers workers, Javalin http, Auth auth,
                       int recovered) {
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
        try {
            Files.createDirectories(data);
        } catch (IOException e) {
            throw new KinoException("Cannot create the data folder " + data + ": " + e.getMessage()
                    + "; choose another --data folder.", e);
        }
        if (config.modelsDir() != null && !Files.isDirectory(config.modelsDir())) {
            throw new KinoException("The models folder " + config.modelsDir() + " does not exist; give a folder of "
                    + "model packages or leave --models out.");
        }
        Auth auth = Auth.load(data);
        EventHub events = new EventHub();
        JobStore store = new JobStore(Database.open(data.resolve("kino.db")), events);
        ModelCatalog catalog = new ModelCatalog(config.modelsDir());
        Workers workers = null;
        try {
            int recovered = store.recover();
            workers = new Workers(store, catalog, config.devices(), data, events, config.work());
            Services services = new Services(store, new ProjectStore(store), catalog, workers, events, auth, data);
            Javalin http = Api.start(services, config.host(), config.port());
            workers.start();
            return new KinoServer(events, store, catalog, workers, http, auth, recovered);
        } catch (RuntimeException e) {
            if (workers != null) {
                workers.close();
            }
            catalog.close();
            store.close();
            events.close();
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
        workers.close();
        events.close();
        catalog.close();
        store.close();
    }
}
