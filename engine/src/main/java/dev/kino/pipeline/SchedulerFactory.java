package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.schedule.Scheduler;

/** Builds a fresh scheduler per generation: the model's own, or one named on the command line. */
final class SchedulerFactory {
    private final Manifest manifest;

    SchedulerFactory(Manifest manifest) {
        this.manifest = manifest;
    }

    /** The model's scheduler when {@code name} is null, else the named one configured from the model's config. */
    Scheduler create(String name) {
        // Wired to the scheduler registry when the schedule package lands (schedulers branch).
        throw new KinoException("No scheduler implementations are available in this build yet.");
    }
}
