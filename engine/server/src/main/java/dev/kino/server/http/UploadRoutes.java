package dev.kino.server.http;

import dev.kino.KinoException;
import dev.kino.server.queue.Housekeeping;
import dev.kino.server.work.UploadedFiles;
import dev.kino.server.work.UploadedFiles.Kind;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Uploads by content hash: {@code POST /api/pictures}, {@code /api/videos} and {@code /api/loras} store the body
 * and answer its {@code sha256:HEX} reference, which jobs and shot lists then name; {@code DELETE} removes an upload
 * nothing uses; {@code GET /api/loras} lists the uploaded LoRAs and those of the server's LoRA folder.
 */
final class UploadRoutes {
    private final Services s;
    private final Housekeeping housekeeping;

    UploadRoutes(Services s) {
        this.s = s;
        this.housekeeping = new Housekeeping(s.jobs());
    }

    void register(Javalin app) {
        for (Kind kind : Kind.values()) {
            app.post(kind.endpoint(), ctx -> upload(ctx, kind));
            app.delete(kind.endpoint() + "/{ref}", ctx -> delete(ctx, kind));
        }
        app.get("/api/loras", this::loras);
    }

    /** The file's bytes as the body: stored by content hash, answered with its reference and what was checked. */
    private void upload(Context ctx, Kind kind) throws IOException {
        UploadedFiles.Stored stored;
        try {
            stored = s.uploads().store(kind, ctx.req().getInputStream()); // counted by BodyLimit, chunked or not
        } catch (UploadedFiles.QuotaExceeded e) {
            throw new ApiError(507, e.getMessage());
        } catch (KinoException e) {
            throw ApiError.bad(e.getMessage());
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put(kind.word, stored.reference());
        answer.putAll(stored.details());
        answer.put("bytes", stored.bytes());
        ctx.status(201).json(answer);
    }

    /** An upload no queued or running job and no project uses; 409 while one does. */
    private void delete(Context ctx, Kind kind) throws IOException {
        String ref = ctx.pathParam("ref");
        if (!ref.matches("sha256:[0-9a-f]{64}")) {
            throw new ApiError(404, "There is no " + kind.word + " " + Requests.shown(ref) + "; " + kind.word + "s are named"
                    + " sha256:HEX.");
        }
        if (housekeeping.pictureInUse(ref.substring(UploadedFiles.PREFIX.length()))) {
            throw new ApiError(409, "The " + kind.word + " " + ref + " is used by a queued or running job or by a"
                    + " project; delete those first.");
        }
        if (!s.uploads().delete(kind, ref)) {
            throw new ApiError(404, "There is no " + kind.word + " " + ref + " on this server.");
        }
        ctx.status(204);
    }

    /** The LoRAs jobs may name: the server's LoRA folder ({@code --loras}) first, then the uploaded ones. */
    private void loras(Context ctx) throws IOException {
        List<Map<String, Object>> all = new ArrayList<>();
        if (s.loras() != null) {
            all.addAll(s.loras().list());
        }
        all.addAll(s.uploads().loras());
        ctx.json(Map.of("loras", all));
    }
}
