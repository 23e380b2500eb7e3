package dev.kino.server.http;

import dev.kino.server.queue.Project;
import dev.kino.server.work.CutExports;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The cut's editing files: {@code /api/projects/{id}/cut/otio}, {@code /cut/edl} and {@code /cut/prores}. */
final class CutExportRoutes {
    private final Services s;

    CutExportRoutes(Services s) {
        this.s = s;
    }

    void register(Javalin app) {
        app.get("/api/projects/{id}/cut/otio", ctx -> send(ctx, CutExports.OTIO, "application/json"));
        app.get("/api/projects/{id}/cut/edl", ctx -> send(ctx, CutExports.EDL, "text/plain; charset=us-ascii"));
        app.get("/api/projects/{id}/cut/prores", ctx -> send(ctx, ".mov", "video/quicktime"));
    }

    private void send(Context ctx, String extension, String type) throws IOException {
        Project p = s.projects().get(Requests.projectId(ctx));
        if (p.cutVideo() == null) {
            throw new ApiError(409, "The project " + p.id() + " has no cut yet; build it with POST /api/projects/"
                    + p.id() + "/cut.");
        }
        Path file = CutExports.sibling(s.videos().resolve(p.cutVideo()), extension);
        if (!Files.isRegularFile(file)) {
            throw new ApiError(409, "The project " + p.id() + "'s cut has no " + extension.substring(1) + " file; build"
                    + " it with POST /api/projects/" + p.id() + "/cut" + (extension.equals(".mov") ? "?format=prores" : "")
                    + ".");
        }
        String name = p.name().replaceAll("[^A-Za-z0-9._-]+", "-") + "-cut" + extension;
        ctx.header("Content-Disposition", "attachment; filename=\"" + name + "\"");
        Ranges.send(ctx, file, type);
    }
}
