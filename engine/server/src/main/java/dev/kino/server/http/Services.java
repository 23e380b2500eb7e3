package dev.kino.server.http;

import dev.kino.server.queue.JobStore;
import dev.kino.server.queue.ProjectStore;
import dev.kino.server.work.ModelCatalog;
import dev.kino.server.work.UploadedPictures;
import dev.kino.server.work.Workers;

import java.nio.file.Path;

/** What the HTTP layer works with. */
public record Services(JobStore jobs, ProjectStore projects, ModelCatalog models, Workers workers, EventHub events,
                       Auth auth, Path dataDir, long pictureQuota) {

    /** Pictures uploaded with {@code POST /api/pictures}. */
    UploadedPictures pictures() {
        return new UploadedPictures(dataDir, pictureQuota);
    }

    Path videos() {
        return dataDir.resolve("videos");
    }
}
