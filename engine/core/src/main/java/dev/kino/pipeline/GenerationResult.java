package dev.kino.pipeline;

import dev.kino.tensor.FloatTensor;
import dev.kino.video.VideoFrames;

import java.time.Duration;
import java.util.List;

/**
 * A finished generation.
 *
 * @param frames     the decoded RGB frames
 * @param latents    the final latents {@code [1, C, F, h, w]} as the scheduler left them (before the VAE's
 *                   denormalisation): what researchers compare against diffusers
 * @param settings   the settings the run actually used, defaults filled in
 * @param timings    wall time of each stage
 * @param warnings   things the user should know (words the tokenizer did not know, a truncated prompt)
 * @param expertSessions with a mixture's experts loaded one at a time ({@link ExpertResidency#ONE}), the expert
 *                   sessions this generation closed and opened, in order ({@code close 1}, {@code open 0},
 *                   {@code close 0}, {@code open 1}: expert 0 is the high-noise one); empty when they stay resident
 */
public record GenerationResult(VideoFrames frames, FloatTensor latents, ResolvedSettings settings,
                               StageTimings timings, List<String> warnings, List<String> expertSessions) {

    public GenerationResult {
        expertSessions = List.copyOf(expertSessions);
    }

    /** A result that opened no expert session. */
    public GenerationResult(VideoFrames frames, FloatTensor latents, ResolvedSettings settings, StageTimings timings,
                            List<String> warnings) {
        this(frames, latents, settings, timings, warnings, List.of());
    }

    /** A copy whose timings add a stage the caller ran on this result, e.g. {@link StageTimings#ENCODE_MP4}. */
    public GenerationResult withStage(String stage, Duration wallTime) {
        return new GenerationResult(frames, latents, settings, timings.with(stage, wallTime), warnings, expertSessions);
    }
}
