package dev.kino.pipeline;

import dev.kino.denoise.Denoiser;
import dev.kino.lora.Lora;
import dev.kino.lora.LoraSessions;
import dev.kino.request.Sha256;
import dev.kino.runtime.OnnxModel;

import java.util.List;
import java.util.function.Function;

/**
 * The denoiser a plan runs on: the package's own sessions without LoRAs, else sessions with the plan's LoRA
 * set merged in. One LoRA set is kept open beside the plain sessions, so jobs that share a set (the takes of a
 * shot) open it once; a plan with another set waits for the generations on the open one to finish, then
 * replaces it. A switch reads the LoRA files and the base values of the weights they touch (from the page
 * cache: the plain sessions' files), never the whole model ({@link LoraSessions}).
 */
final class LoraDenoisers implements AutoCloseable {
    /** A denoiser lent to one generation, with its graphs (for timings); close gives it back. */
    record Lease(Denoiser denoiser, List<OnnxModel> graphs, Runnable release) implements AutoCloseable {
        @Override
        public void close() {
            release.run();
        }
    }

    private final LoraSessions sessions;
    private final Denoiser plain;
    private final List<OnnxModel> plainGraphs;
    private final List<String> roles;
    private final Function<List<OnnxModel>, Denoiser> build;
    private List<String> openKey;
    private List<OnnxModel> openGraphs;
    private Denoiser openDenoiser;
    private int users;

    LoraDenoisers(LoraSessions sessions, Denoiser plain, List<OnnxModel> plainGraphs,
                  Function<List<OnnxModel>, Denoiser> build) {
        this.sessions = sessions;
        this.plain = plain;
        this.plainGraphs = plainGraphs;
        this.roles = plainGraphs.stream().map(OnnxModel::role).toList();
        this.build = build;
    }

    /** The denoiser for {@code plan}'s LoRAs; blocks while another LoRA set is in use. */
    Lease acquire(GenerationPlan plan) {
        List<Lora> loras = plan.request() == null ? List.of() : RequestLoras.of(plan.request());   // older plans: none
        if (loras.isEmpty()) {
            return new Lease(plain, plainGraphs, () -> { });
        }
        List<String> key = loras.stream().map(l -> Sha256.of(l.file()) + ":" + l.strength() + ":" + l.expert()).toList();
        synchronized (this) {
            while (!key.equals(openKey) && users > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new GenerationCancelledException(0);
                }
            }
            if (!key.equals(openKey)) {
                closeOpen();
                openGraphs = sessions.open(loras, roles);
                openDenoiser = build.apply(openGraphs);
                openKey = key;
            }
            users++;
            Denoiser d = openDenoiser;
            List<OnnxModel> g = openGraphs;
            return new Lease(d, g, this::release);
        }
    }

    private synchronized void release() {
        users--;
        notifyAll();
    }

    private void closeOpen() {
        if (openGraphs != null) {
            openGraphs.forEach(OnnxModel::close);
        }
        openGraphs = null;
        openDenoiser = null;
        openKey = null;
    }

    /** Frees the LoRA sessions (the plain ones belong to the pipeline's graphs). */
    @Override
    public synchronized void close() {
        closeOpen();
    }
}
