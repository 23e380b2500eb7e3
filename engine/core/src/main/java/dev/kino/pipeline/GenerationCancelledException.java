package dev.kino.pipeline;

/** Thrown by {@link TextToVideoPipeline#generate} when a step listener asked to stop. */
public final class GenerationCancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Steps finished before the cancel. */
    private final int completedSteps;

    /** @param completedSteps steps finished before the cancel */
    public GenerationCancelledException(int completedSteps) {
        super("Generation cancelled after " + completedSteps + " steps.");
        this.completedSteps = completedSteps;
    }

    /** Steps finished before the cancel. */
    public int completedSteps() {
        return completedSteps;
    }
}
