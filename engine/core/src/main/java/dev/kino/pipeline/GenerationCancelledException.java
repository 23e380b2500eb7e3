package dev.kino.pipeline;

/** Thrown by {@link TextToVideoPipeline#generate} when a step listener asked to stop. */
public final class GenerationCancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int completedSteps;

    public GenerationCancelledException(int completedSteps) {
        super("Generation cancelled after " + completedSteps + " steps.");
        this.completedSteps = completedSteps;
    }

    public int completedSteps() {
        return completedSteps;
    }
}
