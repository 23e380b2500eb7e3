package dev.kino.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kino.KinoException;
import dev.kino.server.queue.Job;
import dev.kino.server.queue.JobState;
import dev.kino.server.queue.JobStore;
import dev.kino.server.queue.NewJob;
import dev.kino.server.queue.Project;
import dev.kino.server.queue.ProjectStore;
import dev.kino.server.work.Cut;
import dev.kino.server.work.CutExports;
import dev.kino.video.DeliveryFormat;
import dev.kino.server.work.ModelCatalog;
import dev.kino.shots.ShotList;
import dev.kino.shots.ShotListReader;
import dev.kino.shots.Take;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /api/projects}: a shot list becomes one job per take; picks; the cut. */
final class ProjectRoutes {
    private final Services s;
    private final JobRoutes jobs;

    ProjectRoutes(Services s, JobRoutes jobs) {
        this.s = s;
        this.jobs = jobs;
    }

    void register(Javalin app) {
        app.post("/api/projects", this::submit);
        app.get("/api/projects", ctx -> ctx.json(s.projects().list().stream().map(Views::projectSummary).toList()));
        app.get("/api/projects/{id}", ctx -> ctx.json(view(Requests.projectId(ctx), ProjectPage.of(ctx))));
        app.put("/api/projects/{id}/picks/{shot}", this::pick);
        app.post("/api/projects/{id}/cut", this::cut);
        app.get("/api/projects/{id}/cut/video", this::cutVideo);
    }

    private void submit(Context ctx) throws IOException {
        String type = String.valueOf(ctx.contentType()).toLowerCase(java.util.Locale.ROOT);
        boolean yaml = type.contains("yaml");
        ShotListReader.Format format = yaml ? ShotListReader.Format.YAML : ShotListReader.Format.JSON;
        ShotList list;
        try {
            list = ShotListReader.parse(ctx.body(), "in the request", format, s.uploads().files());
        } catch (KinoException e) {
            throw ApiError.bad(e.getMessage());
        }
        String p = ctx.queryParam("priority");
        int priority = 0;
        if (p != null) {
            try {
                priority = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                priority = Integer.MIN_VALUE;
            }
            if (priority < -1000 || priority > 1000) {
                throw ApiError.bad("The priority must be a whole number from -1000 to 1000.");
            }
        }
        List<NewJob> takes = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Take t : list.takes()) {
            String model = t.model() == null ? ModelCatalog.DEMO : t.model();
            String from = t.shot().continueFrom();
            dev.kino.pipeline.GenerationPlan plan = null;
            try {
                if (!t.videos().isEmpty()) {
                    String field = t.videos().keySet().iterator().next();
                    throw new KinoException("its " + field.replace('_', ' ') + " is shot " + t.videos().get(field)
                            .shot().name() + "'s take, which this server does not wait for yet; upload that pick's MP4"
                            + " (POST /api/videos) and name it in \"" + field + "\" instead of \"" + field + "_from\"");
                }
                if (from == null) {
                    plan = s.models().check(model, t.request());
                } else if (!s.models().takesPictures(model)) {
                    // Its first frame is a pick that does not exist yet; what can be checked now is the model.
                    throw new KinoException("it continues from shot " + from + ", but the model " + model
                            + " makes video from text only; use an image-to-video model or leave out continue_from");
                }
            } catch (KinoException e) {
                problems.add("shot " + t.shot().name() + " take " + t.take() + ": " + e.getMessage().replaceAll("[.]$", ""));
                continue;
            }
            takes.add(new NewJob(t.shot().name(), t.shot().index(), t.take(), model,
                    Views.JSON.writeValueAsString(t.request().toJson()),
                    plan == null ? t.requestHash() : plan.fingerprint(), priority, from, plan == null ? null : plan.toJson()));
        }
        if (!problems.isEmpty()) {
            throw ApiError.bad("The shot list cannot be rendered as it is: " + String.join("; ", problems.subList(0,
                    Math.min(20, problems.size()))) + "; fix the shot list and submit it again.");
        }
        Project project = ProjectStore.create(list.project(), ctx.body(), format.name().toLowerCase(java.util.Locale.ROOT));
        JobStore.Submitted done = s.jobs().submit(project, takes, Requests.idempotencyKey(ctx), Requests.bodyHash(ctx));
        s.workers().wake();
        if (!done.replayed() && takes.size() > JobStore.BULK) {
            s.events().reload();
        }
        ctx.status(done.replayed() ? 200 : 201).json(view(done.project().id()));
    }

    Map<String, Object> view(String id) throws IOException {
        return view(id, ProjectPage.FIRST);
    }

    /** One page of the project's shots with their takes (a 1000-shot project is never one huge answer). */
    Map<String, Object> view(String id, ProjectPage page) throws IOException {
        Project p = s.projects().get(id);
        JsonNode list = shotList(p);
        int total = list.path("shots").size();
        int to = (int) Math.min(total, (long) page.from() + page.limit());
        List<Job> takes = s.projects().takes(id, page.from(), to);
        int[] counts = s.projects().counts(id);
        return Views.project(p, list, page.from(), to, takes, counts[0], counts[1], s.projects().picks(id),
                page.withShotList());
    }

    private static JsonNode shotList(Project p) throws IOException {
        ObjectMapper parser = p.format().equals("yaml") ? new ObjectMapper(new YAMLFactory()) : Views.JSON;
        return parser.readTree(p.shotList());
    }

    private void pick(Context ctx) throws IOException {
        String id = Requests.projectId(ctx);
        String shot = ctx.pathParam("shot");
        JsonNode n = Requests.object(ctx);
        Requests.onlyFields(n, List.of("job"));
        String jobId = Requests.text(n, "job", true, 40);
        s.projects().get(id);
        Job j = s.jobs().get(jobId);
        if (!id.equals(j.projectId()) || !shot.equals(j.shot())) {
            throw new ApiError(409, "The job " + jobId + " is not a take of shot " + Requests.shown(shot)
                    + " in this project; pick one of that shot's takes.");
        }
        if (j.state() != JobState.SUCCEEDED) {
            throw new ApiError(409, "The take " + jobId + " is " + j.state().key() + "; pick a take that has finished"
                    + " rendering.");
        }
        s.projects().pick(id, jobId);
        ctx.json(view(id));
    }

    private void cut(Context ctx) throws IOException {
        String id = Requests.projectId(ctx);
        JsonNode list = shotList(s.projects().get(id));
        Map<String, String> picks = s.projects().picks(id);
        List<Cut.Piece> pieces = new ArrayList<>();
        for (JsonNode o : list.path("shots")) {
            String shot = o.path("name").asText();
            String pick = picks.get(shot);
            if (pick == null) {
                throw new ApiError(409, "Shot " + shot + " has no picked take; pick one of its takes first.");
            }
            Job j = s.jobs().get(pick);
            if (j.state() != JobState.SUCCEEDED || j.video() == null) {
                throw new ApiError(409, "The take picked for shot " + shot + " is " + j.state().key()
                        + ", not finished; wait for it or pick another.");
            }
            pieces.add(new Cut.Piece(shot, s.videos().resolve(j.video())));
        }
        String file = "cut-" + id + ".mp4";
        DeliveryFormat format;
        try {
            format = CutExports.format(ctx.queryParam("format"));
        } catch (KinoException e) {
            throw ApiError.bad(e.getMessage());
        }
        int frames;
        try {
            Files.createDirectories(s.videos());
            frames = Cut.build(pieces, s.videos().resolve(file));
            CutExports.write(s.projects().get(id).name(), pieces, s.videos().resolve(file), format);
        } catch (KinoException e) {
            throw new ApiError(409, e.getMessage());
        }
        s.projects().cut(id, file, frames);
        String base = "/api/projects/" + id + "/cut/";
        Map<String, Object> reply = new java.util.LinkedHashMap<>(Map.of("video", base + "video", "frames", frames,
                "otio", base + "otio", "edl", base + "edl"));
        if (format == DeliveryFormat.PRORES) {
            reply.put("prores", base + "prores");
        }
        ctx.json(reply);
    }

    void cutVideo(Context ctx) throws IOException {
        Project p = s.projects().get(Requests.projectId(ctx));
        if (p.cutVideo() == null) {
            throw new ApiError(409, "The project " + p.id() + " has no cut yet; build it with POST /api/projects/"
                    + p.id() + "/cut.");
        }
        String name = p.name().replaceAll("[^A-Za-z0-9._-]+", "-") + "-cut.mp4";
        JobRoutes.sendVideo(ctx, s.videos(), p.cutVideo(), name);
    }
}
