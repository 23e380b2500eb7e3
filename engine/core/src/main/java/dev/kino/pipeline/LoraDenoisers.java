package dev.kino.pipeline;

import dev.kino.denoise.Denoiser;
import dev.kino.lora.Lora;
import dev.kino.lora.LoraSessions;
import dev.kino.request.Sha256;
import dev.kino.runtime.OnnxModel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The denoiser a plan runs on: the package's own sessions without LoRAs, else sessions with the plan's LoRA
 * set merged in. One LoRA set is kept open beside the plain sessions, so jobs that share a set (the takes of a
 * shot) open it once; a plan with another set waits for the generations on the open one to finish, then
 * replaces it. A switch reads the LoRA files and the base values of the weights they touch (from the page
 * cache: the plain sessions' files), never the whole model ({@link LoraSessions}).
 *
 * <p>Loaded with one expert at a time ({@link ExpertResidency#ONE}) there are no plain sessions to keep: every
 * plan gets a mixture of {@link ResidentExpert}s over the pipeline's one {@link ExpertSlot}, keyed by its LoRA
 * set, so a reopened expert is merged with the same set and two experts are never open together.
 */
final class LoraDenoisers implements AutoCloseable {
    /**
     * A denoiser lent to one generation, with its graphs' ONNX Runtime time and runs and the expert sessions the
     * generation closed and opened (one expert at a time; else empty); close gives it back.
     */
    record Lease(Denoiser denoiser, LongSupplier runNanos, LongSupplier runCount, List<String> expertSessions,
                 Runnable release) implements AutoCloseable {
        static Lease of(Denoiser denoiser, List<OnnxModel> graphs, Runnable release) {
            return new Lease(denoiser, () -> graphs.stream().mapToLong(OnnxModel::runNanos).sum(),
                    () -> graphs.stream().mapToLong(OnnxModel::runCount).sum(), List.of(), release);
        }

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
    private final ExpertSlot slot;
    private final Resident resident;

    /** Makes the mixture of {@link ResidentExpert}s for a LoRA set and its key, logging into {@code caused}. */
    interface Resident {
        Denoiser make(List<Lora> loras, List<String> key, List<String> caused);
    }

    /** Both experts resident: the package's own sessions {@code plainGraphs}, {@code build} makes a denoiser of sessions. */
    LoraDenoisers(LoraSessions sessions, Denoiser plain, List<OnnxModel> plainGraphs,
                  Function<List<OnnxModel>, Denoiser> build) {
        this.sessions = sessions;
        this.plain = plain;
        this.plainGraphs = plainGraphs;
        this.roles = plainGraphs.stream().map(OnnxModel::role).toList();
        this.build = build;
        this.slot = null;
        this.resident = null;
    }

    /**
     * One expert at a time: {@code resident} makes the mixture for a LoRA set and its key, over {@code slot}.
     */
    LoraDenoisers(ExpertSlot slot, Resident resident) {
        this.sessions = null;
        this.plain = null;
        this.plainGraphs = List.of();
        this.roles = List.of();
        this.build = null;
        this.slot = slot;
        this.resident = resident;
    }

    /** The denoiser for {@code plan}'s LoRAs; blocks while another LoRA set is in use. */
    Lease acquire(GenerationPlan plan) {
        List<Lora> loras = plan.request() == null ? List.of() : RequestLoras.of(plan.request());   // older plans: none
        List<String> key = loras.stream().map(l -> Sha256.of(l.file()) + ":" + l.strength() + ":" + l.expert()).toList();
        if (slot != null) {
            List<String> caused = Collections.synchronizedList(new ArrayList<>());
            return new Lease(resident.make(loras, key, caused), slot::runNanos, slot::runCount, caused, () -> { });
        }
        if (loras.isEmpty()) {
            return Lease.of(plain, plainGraphs, () -> { });
        }
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
            return Lease.of(d, g, this::release);
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

    /** Frees the LoRA sessions and the resident expert (the plain ones belong to the pipeline's graphs). */
    @Override
    public synchronized void close() {
        closeOpen();
        if (slot != null) {
            slot.close();
        }
    }
}
