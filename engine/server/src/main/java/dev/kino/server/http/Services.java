package dev.kino.server.http;

import dev.kino.server.queue.JobStore;
import dev.kino.server.queue.ProjectStore;
import dev.kino.server.work.ModelCatalog;
import dev.kino.server.work.LoraFolder;
import dev.kino.server.work.UploadedFiles;
import dev.kino.server.work.Workers;

import java.nio.file.Path;

/** What the HTTP layer works with. */
public record Services(JobStore jobs, ProjectStore projects, ModelCatalog models, Workers workers, EventHub events,
                       Auth auth, Path dataDir, UploadedFiles uploads, LoraFolder loras) {

    Path videos() {
        return dataDir.resolve("videos");
    }
}
