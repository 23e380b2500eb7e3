package dev.kino.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.KinoException;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.server.queue.Job;
import dev.kino.server.queue.JobState;
import dev.kino.server.queue.JobStore;
import dev.kino.server.queue.NewJob;
import dev.kino.server.work.ModelCatalog;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code /api/jobs}: submit, list, get, cancel, reprioritize, delete, and the finished video. */
final class JobRoutes {
    /** The fields of a job besides the request settings ({@code RequestSchema}'s HTTP ones). */
    private static final List<String> OWN_FIELDS = List.of("model", "priority");
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
    }

    private void submit(Context ctx) throws JsonProcessingException {
        JsonNode n = Requests.object(ctx);
        Requests.onlyFields(n, fields());
        String model = Requests.text(n, "model", false, 64);
        model = model == null ? ModelCatalog.DEMO : model;
        GenerationRequest request = Requests.generationRequest(n, s.uploads().files());
        Integer priority = Requests.smallInt(n, "priority", -1000, 1000);
        GenerationPlan plan = check(model, request);
        int p = priority == null ? 0 : priority;
        NewJob job = new NewJob(null, null, null, model, Views.JSON.writeValueAsString(request.toJson()),
                plan.fingerprint(), p, null, plan.toJson());
        // A retry is the same plan at the same priority, however its JSON was written (defaults spelled out or not).
        String identity = dev.kino.request.Sha256.of("plan " + plan.fingerprint() + " priority " + p);
        JobStore.Submitted done = s.jobs().submit(null, List.of(job), Requests.idempotencyKey(ctx), identity);
        s.workers().wake();
        ctx.status(done.replayed() ? 200 : 201).json(Views.job(done.jobs().get(0)));
    }

    /** The model must exist and be able to make the request; otherwise a 400 before anything is stored. */
    GenerationPlan check(String model, GenerationRequest request) {
        try {
            return s.models().check(model, request);
        } catch (KinoException e) {
            throw ApiError.bad(e.getMessage());
        }
    }

    /** Every field {@code POST /api/jobs} takes: the schema's HTTP settings and the job's own. */
    static List<String> fields() {
        List<String> all = new java.util.ArrayList<>(dev.kino.request.RequestSchema.on(dev.kino.request.Surface.HTTP)
                .stream().map(dev.kino.request.Setting::name).toList());
        all.addAll(OWN_FIELDS);
        return all;
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
