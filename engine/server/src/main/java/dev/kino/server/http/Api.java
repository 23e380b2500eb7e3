package dev.kino.server.http;

import dev.kino.KinoException;
import dev.kino.server.queue.JobState;
import dev.kino.server.queue.QueueException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP server: the JSON API under {@code /api} (token required), server-sent events, the OpenAPI file and the
 * web page. Every refused request gets a 4xx status and {@code {"error": "one sentence"}}, and changes nothing.
 */
public final class Api {
    /** Largest request body accepted, in bytes (a shot list of 1000 shots fits easily). */
    public static final long MAX_BODY = 1 << 20;
    private static final String ERROR_WRITTEN = "kino.error";
    private static final java.util.Set<String> WRITES = java.util.Set.of("POST", "PUT", "PATCH");

    private Api() {
    }

    /** Starts serving on {@code host:port} (port 0: any free port; see {@link Javalin#port()}). */
    public static Javalin start(Services s, String host, int port) {
        JobRoutes jobs = new JobRoutes(s);
        ProjectRoutes projects = new ProjectRoutes(s, jobs);
        BodyLimit limits = new BodyLimit(MAX_BODY);
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_BODY;
            config.http.prefer405over404 = true;
            config.jetty.modifyServletContextHandler(h -> h.addFilter(new org.eclipse.jetty.servlet.FilterHolder(limits),
                    "/*", java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST)));
            config.staticFiles.add(f -> {
                f.hostedPath = "/";
                f.directory = "/dev/kino/server/web";
                f.location = Location.CLASSPATH;
                f.headers = Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff",
                        "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self'; "
                                + "style-src 'self'; script-src 'self'; frame-ancestors 'none'");
            });
        });
        app.before("/api/*", ctx -> {
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Cache-Control", "no-store");
            if (!ctx.path().equals("/api/openapi.json")) {
                s.auth().check(ctx);
            }
            if (ctx.contentLength() > limits.limit(ctx.path())) { // chunked bodies: BodyLimit counts them
                throw new ApiError(413, limits.tooLarge(ctx.path()));
            }
            // While the space reserve is spent recording how running jobs end, nothing new may take that space.
            if (WRITES.contains(ctx.method().name()) && !ctx.path().equals("/api/session")
                    && !s.workers().reserve().restore()) {
                throw new ApiError(507, "The disk under the server's data folder is full; free space there and try "
                        + "again.");
            }
        });
        jobs.register(app);
        projects.register(app);
        new CutExportRoutes(s).register(app);
        new LifecycleRoutes(s, jobs, projects).register(app);
        new UploadRoutes(s).register(app);
        app.get("/api/models", ctx -> ctx.json(models(s)));
        app.get("/api/health", ctx -> ctx.json(health(s)));
        app.post("/api/session", ctx -> {
            s.auth().startSession(ctx);
            ctx.status(204);
        });
        String openApi = OpenApi.document();
        app.get("/api/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
        app.sse("/api/events", s.events()::add);

        app.exception(ApiError.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
        app.exception(QueueException.class, (e, ctx) -> error(ctx, switch (e.reason()) {
            case NOT_FOUND -> 404;
            case GONE -> 410;
            case CONFLICT -> 409;
        }, e.getMessage()));
        app.exception(KinoException.class, (e, ctx) ->
                error(ctx, e instanceof dev.kino.server.queue.DiskFullException ? 507 : 500, e.getMessage()));
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), sentence(e)));
        app.exception(Exception.class, (e, ctx) -> {
            System.err.println("kino serve: internal error on " + ctx.method() + " " + ctx.path() + ":");
            e.printStackTrace();
            error(ctx, 500, "Internal error in Kino; the server log has the details.");
        });
        app.error(404, ctx -> {
            if (ctx.attribute(ERROR_WRITTEN) == null) {
                error(ctx, 404, "There is no " + ctx.method() + " " + Requests.shown(ctx.path())
                        + " here; the API is described at /api/openapi.json.");
            }
        });
        app.error(405, ctx -> {
            if (ctx.attribute(ERROR_WRITTEN) == null) {
                error(ctx, 405, "The method " + ctx.method() + " is not allowed here; see /api/openapi.json.");
            }
        });
        return app.start(host, port);
    }

    private static void error(Context ctx, int status, String message) {
        ctx.attribute(ERROR_WRITTEN, true);
        ctx.status(status).json(Map.of("error", message));
    }

    private static String sentence(HttpResponseException e) {
        return switch (e.getStatus()) {
            case 413 -> "The request body is larger than " + (MAX_BODY >> 20) + " MiB; send less.";
            case 401 -> "This API needs the server's token.";
            case 404 -> "There is no such endpoint; the API is described at /api/openapi.json.";
            case 405 -> "That method is not allowed here; the API is described at /api/openapi.json.";
            default -> "The request was refused (" + e.getMessage() + ").";
        };
    }

    /** The catalog's models, each with the workers that hold it loaded now ({@code loaded}, maybe empty). */
    private static List<Map<String, Object>> models(Services s) {
        var loaded = s.workers().loaded();
        var out = s.models().describe();
        out.forEach(m -> m.put("loaded", loaded.getOrDefault((String) m.get("name"), List.of())));
        return out;
    }

    private static Map<String, Object> health(Services s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", true);
        m.put("workers", s.workers().names());
        m.put("queued", s.jobs().count(JobState.QUEUED));
        m.put("running", s.jobs().count(JobState.RUNNING));
        m.put("listeners", s.events().listeners());
        return m;
    }
}
