package dev.kino.server.http;

import dev.kino.server.queue.Housekeeping;
import dev.kino.server.queue.Job;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.file.Files;

/**
 * Retrying a failed job, deleting projects, and HEAD on the videos (a client learns a
 * video's type and length without downloading it).
 */
final class LifecycleRoutes {
    private final Services s;
    private final Housekeeping housekeeping;
    private final ProjectRoutes projects;
    private final JobRoutes jobs;

    LifecycleRoutes(Services s, JobRoutes jobs, ProjectRoutes projects) {
        this.s = s;
        this.housekeeping = new Housekeeping(s.jobs());
        this.jobs = jobs;
        this.projects = projects;
    }

    void register(Javalin app) {
        app.post("/api/jobs/{id}/retry", this::retry);
        app.delete("/api/projects/{id}", this::deleteProject);
        app.head("/api/jobs/{id}/video", jobs::video);
        app.head("/api/projects/{id}/cut/video", projects::cutVideo);
    }

    private void retry(Context ctx) {
        Job j = housekeeping.retry(Requests.jobId(ctx));
        s.workers().wake();
        ctx.json(Views.job(j));
    }

    /** The project, its takes, picks, videos, checkpoints and cut; refused (409) while one of its takes runs. */
    private void deleteProject(Context ctx) throws IOException {
        Housekeeping.Deleted gone = housekeeping.deleteProject(Requests.projectId(ctx));
        for (String video : gone.videos()) {
            Files.deleteIfExists(s.videos().resolve(video));
        }
        for (String id : gone.jobIds()) {
            Files.deleteIfExists(s.dataDir().resolve("checkpoints").resolve(id + ".ckpt"));
        }
        ctx.status(204);
    }
}
