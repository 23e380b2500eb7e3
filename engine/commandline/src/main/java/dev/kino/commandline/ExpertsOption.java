package dev.kino.commandline;

import dev.kino.pipeline.ExpertResidency;
import picocli.CommandLine.Option;

/**
 * {@code --experts}, the same for every command that loads a model to render ({@code kino generate},
 * {@code kino render}, {@code kino serve}, Spark's RenderJob and SweepJob; {@code @Mixin} it): how a mixture's
 * experts (Wan 2.2 A14B) stay in memory, {@link ExpertResidency}. A load option beside the device, not a request
 * setting: every request a loaded model serves shares its sessions.
 */
public final class ExpertsOption {
    @Option(names = "--experts", paramLabel = "one|both|auto", defaultValue = "auto",
            description = "A mixture of denoiser experts (Wan 2.2 A14B): keep both loaded, or load one at a time (switched"
                    + " at the boundary step; the same video, each expert read again per video); auto loads one at a"
                    + " time when the memory plan says both do not fit the device's free memory at load (default:"
                    + " ${DEFAULT-VALUE}). Models with one denoiser ignore it.")
    String experts;

    /** The option as given (for records of a run). */
    public String text() {
        return experts;
    }

    /** The residency, or a user error naming the accepted values. */
    public ExpertResidency residency() {
        return ExpertResidency.parse(experts);
    }
}
