package dev.kino.server.work;

/** What workers report while a job runs (the HTTP layer streams it as server-sent events). */
public interface WorkEvents {
    /**
     * One denoising step done.
     *
     * @param step        steps done
     * @param steps       total steps
     * @param itPerSecond steps per second so far in this run
     * @param etaSeconds  estimated seconds left
     * @param preview     a data URL of the latents' picture, or null on steps without one
     */
    void progress(String jobId, int step, int steps, double itPerSecond, double etaSeconds, String preview);
}
