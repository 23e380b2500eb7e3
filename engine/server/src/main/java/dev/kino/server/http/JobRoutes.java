package dev.kino.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.KinoException;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.server.queue.Job;
import dev.kino.server.queue.JobState;
import dev.kino.server.queue.JobStore;
import dev.kino.server.queue.NewJob;
import dev.kino.image.Fit;
import dev.kino.server.work.ModelCatalog;
import dev.kino.server.work.UploadedPictures;
import dev.kino.shots.Take;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code /api/jobs}: submit, list, get, cancel, reprioritize, delete, and the finished video. */
final class JobRoutes {
    static final int MAX_PROMPT = 2000;
    private static final List<String> FIELDS = List.of("prompt", "negative", "model", "steps", "guidance", "seed",
            "frames", "width", "height", "fps", "scheduler", "priority", "image", "last_image", "fit");
    private final Services s;

    JobRoutes(Services s) {
        this.s = s;
    }

    void register(Javalin app) {
        app.post("/api/jobs", this::submit);
        app.get("/api/jobs", this::list);
        app.get("/api/jobs/{id}", ctx -> ctx.json(Views.job(s.jobs().get(Requests.jobId(ctx)))));
        app.post("/api/jobs/{id}/cancel", this::cancel);
        app.patch("/api/jobs/{id}", this::reprioritize);
        app.delete("/api/jobs/{id}", this::delete);
        app.get("/api/jobs/{id}/video", this::video);
        app.post("/api/pictures", this::upload);
    }

    /** A picture's bytes as the body: stored by content hash, answered with its {@code sha256:HEX} reference. */
    private void upload(Context ctx) throws IOException {
        UploadedPictures.Stored stored;
        try {
            stored = s.pictures().store(ctx.req().getInputStream()); // counted by BodyLimit, chunked or not
        } catch (UploadedPictures.QuotaExceeded e) {
            throw new ApiError(507, e.getMessage());
        } catch (KinoException e) {
            throw ApiError.bad(e.getMessage());
        }
        ctx.status(201).json(java.util.Map.of("picture", stored.reference(), "width", stored.width(),
                "height", stored.height(), "bytes", stored.bytes()));
    }

    /** An uploaded picture named by {@code field} ({@code sha256:HEX}), or null. */
    private Path picture(JsonNode n, String field) {
        String ref = Requests.text(n, field, false, 80);
        if (ref == null) {
            return null;
        }
        try {
            return s.pictures().files().find(ref);
        } catch (IllegalArgumentException e) {
            throw ApiError.bad("The field " + field + " " + e.getMessage() + ".");
        }
    }

    private static Fit fit(JsonNode n) {
        String f = Requests.text(n, "fit", false, 16);
        if (f == null) {
            return null;
        }
        try {
            return Fit.valueOf(f.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiError.bad("The fit " + Requests.shown(f) + " is unknown; use crop, pad or stretch.");
        }
    }

    private void submit(Context ctx) throws JsonProcessingException {
        JsonNode n = Requests.object(ctx);
        Requests.onlyFields(n, FIELDS);
        String model = Requests.text(n, "model", false, 64);
        model = model == null ? ModelCatalog.DEMO : model;
        GenerationRequest request = GenerationRequest.builder(Requests.text(n, "prompt", true, MAX_PROMPT))
                .negativePrompt(Requests.text(n, "negative", false, MAX_PROMPT))
                .steps(Requests.smallInt(n, "steps", 1, 1000))
                .guidance(Requests.number(n, "guidance", 0, 100))
                .seed(orZero(Requests.integer(n, "seed", 0, Long.MAX_VALUE)))
                .frames(Requests.smallInt(n, "frames", 1, 10_000))
                .width(Requests.smallInt(n, "width", 1, 8192))
                .height(Requests.smallInt(n, "height", 1, 8192))
                .fps(Requests.smallInt(n, "fps", 1, 240))
                .scheduler(Requests.text(n, "scheduler", false, 64))
                .image(picture(n, "image")).lastImage(picture(n, "last_image")).fit(fit(n))
                .build();
        Integer priority = Requests.smallInt(n, "priority", -1000, 1000);
        check(model, request);
        NewJob job = new NewJob(null, null, null, model, Views.JSON.writeValueAsString(request),
                Take.hash(model, request), priority == null ? 0 : priority, null);
        JobStore.Submitted done = s.jobs().submit(null, List.of(job), Requests.idempotencyKey(ctx), Requests.bodyHash(ctx));
        s.workers().wake();
        ctx.status(done.replayed() ? 200 : 201).json(Views.job(done.jobs().get(0)));
    }

    /** The model must exist and be able to make the request; otherwise a 400 before anything is stored. */
    void check(String model, GenerationRequest request) {
        try {
            s.models().check(model, request);
        } catch (KinoException e) {
            throw ApiError.bad(e.getMessage());
        }
    }

    private static Long orZero(Long seed) {
        return seed == null ? 0L : seed;
    }

    private void list(Context ctx) {
        String state = ctx.queryParam("state");
        JobState st = null;
        if (state != null) {
            try {
                st = JobState.of(state);
            } catch (IllegalArgumentException e) {
                throw ApiError.bad("The state " + Requests.shown(state) + " is unknown; use queued, running, "
                        + "succeeded, failed or canceled.");
            }
        }
        String limit = ctx.queryParam("limit");
        int n = 500;
        if (limit != null) {
            try {
                n = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 10_000) {
                throw ApiError.bad("The limit must be a whole number from 1 to 10000.");
            }
        }
        String skip = ctx.queryParam("offset");
        int offset = 0;
        if (skip != null) {
            try {
                offset = Integer.parseInt(skip);
            } catch (NumberFormatException e) {
                offset = -1;
            }
            if (offset < 0) {
                throw ApiError.bad("The offset must be a whole number from 0 up.");
            }
        }
        ctx.json(s.jobs().list(st, null, n, offset).stream().map(Views::job).toList());
    }

    private void cancel(Context ctx) {
        String id = Requests.jobId(ctx);
        Job j = s.jobs().cancel(id);
        if (j.state() == JobState.RUNNING) {
            s.workers().cancel(id);
        }
        ctx.status(202).json(Views.job(j));
    }

    private void reprioritize(Context ctx) {
        String id = Requests.jobId(ctx);
        JsonNode n = Requests.object(ctx);
        Requests.onlyFields(n, List.of("priority"));
        Integer p = Requests.smallInt(n, "priority", -1000, 1000);
        if (p == null) {
            throw ApiError.bad("Send {\"priority\": N} with N from -1000 to 1000.");
        }
        ctx.json(Views.job(s.jobs().reprioritize(id, p)));
    }

    private void delete(Context ctx) throws IOException {
        String id = Requests.jobId(ctx);
        Job take = s.jobs().get(id);
        if (take.projectId() != null && id.equals(s.projects().picks(take.projectId()).get(take.shot()))
                && !"true".equals(ctx.queryParam("unpick"))) {
            throw new ApiError(409, "The job " + id + " is the picked take of shot " + take.shot() + "; pick another"
                    + " take first, or delete it with ?unpick=true to drop the pick too.");
        }
        Job j = s.jobs().delete(id);
        if (j.video() != null) {
            Files.deleteIfExists(s.videos().resolve(j.video()));
        }
        Files.deleteIfExists(s.dataDir().resolve("checkpoints").resolve(j.id() + ".ckpt"));
        ctx.status(204);
    }

    void video(Context ctx) throws IOException {
        Job j = s.jobs().get(Requests.jobId(ctx));
        if (j.video() == null) {
            throw new ApiError(409, "The job " + j.id() + " has no video yet (it is " + j.state().key()
                    + "); wait for it to succeed.");
        }
        sendVideo(ctx, s.videos(), j.video(), j.id() + ".mp4");
    }

    /** Streams an MP4 from {@code dir} with HTTP Range support (browsers seek with it); see {@link Ranges}. */
    static void sendVideo(Context ctx, Path dir, String file, String downloadName) throws IOException {
        Path p = dir.resolve(file).normalize();
        if (!p.startsWith(dir.normalize()) || !Files.isRegularFile(p)) {
            throw new ApiError(404, "The video file is gone from the server's data folder.");
        }
        ctx.header("Content-Disposition", "inline; filename=\"" + downloadName + "\"");
        Ranges.send(ctx, p, "video/mp4");
    }
}
