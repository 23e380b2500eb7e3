package dev.kino.commandline;

import dev.kino.pipeline.GenerationRequest;
import picocli.CommandLine.Option;

/** {@code --frames}, {@code --width}, {@code --height}: unset means the model's default ({@code @Mixin} it). */
public final class VideoSizeOptions {
    @Option(names = "--frames", description = "Number of frames; must fit the model's frame rule (default: the model's).")
    Integer frames;

    @Option(names = "--width", description = "Width in pixels (default: the model's).")
    Integer width;

    @Option(names = "--height", description = "Height in pixels (default: the model's).")
    Integer height;

    public Integer frames() {
        return frames;
    }

    public Integer width() {
        return width;
    }

    public Integer height() {
        return height;
    }

    /** Sets the given sizes on {@code request}, leaving the rest to the model. */
    public GenerationRequest.Builder applyTo(GenerationRequest.Builder request) {
        return request.frames(frames).width(width).height(height);
    }
}
