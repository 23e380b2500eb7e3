package dev.kino.sweep;

import dev.kino.lora.Lora;
import dev.kino.pipeline.GenerationRequest;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One run of the grid: a prompt and seed (which fix the initial noise), a guidance scale, and the sampler
 * under test. Cells of the same prompt, seed and guidance start from identical noise, so they differ only
 * by the scheduler and its step count.
 *
 * <p>A null guidance means the model's own (for a model with denoiser experts, each expert's own scale).
 *
 * <p>A null {@code precision} means a sweep without a precision axis; with one, each cell names the mode whose
 * package renders it ({@code fp32} for the {@code --model} package itself).
 *
 * <p>The {@link #id()} names the cell's folder in the sweep's output; it is derived from the values alone
 * (the prompt by a hash of its text) so that a re-run finds the cells that already finished.
 */
public record Cell(String prompt, long seed, Double guidance, String scheduler, int steps, Double loraStrength,
                   String precision) {

    /** A cell without LoRAs. */
    public Cell(String prompt, long seed, Double guidance, String scheduler, int steps) {
        this(prompt, seed, guidance, scheduler, steps, null);
    }

    /** A cell of a sweep without a precision axis. */
    public Cell(String prompt, long seed, Double guidance, String scheduler, int steps, Double loraStrength) {
        this(prompt, seed, guidance, scheduler, steps, loraStrength, null);
    }

    /** The cell a precision cell is compared with: the same run on the fp32 package. */
    public Cell fp32() {
        return new Cell(prompt, seed, guidance, scheduler, steps, loraStrength, PrecisionAxis.FP32);
    }

    /** {@code p} and the first 8 hex digits of the SHA-256 of the prompt's text. */
    public String promptId() {
        return "p" + sha256(prompt).substring(0, 8);
    }

    /**
     * A file-name-safe key, e.g. {@code euler_8steps_g3_seed0_p1a2b3c4d} ({@code _lora0.5} after the steps with
     * LoRAs, then the precision mode, e.g. {@code _int8}, with a precision axis).
     */
    public String id() {
        return safe(scheduler) + "_" + steps + "steps" + (loraStrength == null ? "" : "_lora" + number(loraStrength))
                + (precision == null ? "" : "_" + safe(precision)) + "_g" + number(guidance) + "_seed" + seed + "_" + promptId();
    }

    /** The reference run this cell is compared with: the same prompt, seed and guidance, another sampler, no LoRA. */
    public Cell referenceFor(String referenceScheduler, int referenceSteps) {
        return new Cell(prompt, seed, guidance, referenceScheduler, referenceSteps);
    }

    /**
     * The engine request for this cell. When the cell's scheduler is the model's own, the request names none,
     * so the engine builds it from the model's scheduler config exactly as {@code kino generate} does.
     */
    public GenerationRequest request(String modelScheduler, Integer frames, Integer width, Integer height) {
        return request(modelScheduler, frames, width, height, List.of());
    }

    /** As {@link #request(String, Integer, Integer, Integer)}, with {@code loras} at this cell's strength. */
    public GenerationRequest request(String modelScheduler, Integer frames, Integer width, Integer height,
                                     List<Path> loras) {
        List<Lora> applied = loraStrength == null ? List.of()
                : loras.stream().map(f -> new Lora(f, loraStrength, null)).toList();
        return GenerationRequest.builder(prompt).seed(seed).guidance(guidance)
                .scheduler(scheduler.equals(modelScheduler) ? null : scheduler).steps(steps)
                .frames(frames).width(width).height(height).loras(applied).build();
    }

    /** Guidance as the shortest plain decimal: 3.0 → "3", 4.5 → "4.5"; null (the model's own) → "model". */
    public static String number(Double v) {
        return v == null ? "model" : new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9.+-]", "-");
    }

    private static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
