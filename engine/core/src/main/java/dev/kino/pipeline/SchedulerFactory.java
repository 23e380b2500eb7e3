package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.schedule.Scheduler;
import dev.kino.schedule.Schedulers;

/**
 * Builds a fresh scheduler per generation (schedulers are stateful): the model's own from its diffusers
 * config, or one named by the user and configured from the model's config, checked against what the
 * denoiser predicts.
 */
final class SchedulerFactory {
    private final Manifest manifest;

    SchedulerFactory(Manifest manifest) {
        this.manifest = manifest;
    }

    /** The model's scheduler when {@code name} is null, else the named one. */
    Scheduler create(String name) {
        try {
            Scheduler s = name == null ? Schedulers.fromConfig(manifest.scheduler())
                    : Schedulers.byName(name, manifest.scheduler());
            Schedulers.checkPrediction(s, manifest.denoiser().predictionType().manifestName());
            return s;
        } catch (IllegalArgumentException e) {
            throw new KinoException(e.getMessage(), e);
        }
    }
}
