package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.model.ModelPackage;

/**
 * How a mixture of denoiser experts (Wan 2.2 A14B's high-noise and low-noise transformers) stays in memory: both
 * sessions open for the pipeline's life, or one at a time, the high-noise expert's session closed at the
 * boundary step before the low-noise one opens (each generation then reads each expert's weights once more).
 * A load-time choice, not a request setting: it decides which sessions the loaded pipeline holds, and every
 * request a long-lived pipeline serves shares them. A package with one denoiser graph ignores it.
 */
public enum ExpertResidency {
    /** Both experts resident: no reload per generation. */
    BOTH,
    /** One expert resident at a time: about one expert's weights and activations less at the peak. */
    ONE,
    /**
     * {@link #ONE} when the memory plan says both do not fit the budget at load (the device's free memory, {@link
     * dev.kino.runtime.DeviceMemory#runtimeBudget}), else {@link #BOTH}: the default of every surface.
     */
    AUTO;

    /** Parses {@code one}, {@code both} or {@code auto} (any case). */
    public static ExpertResidency parse(String text) {
        for (ExpertResidency r : values()) {
            if (r.name().equalsIgnoreCase(text.trim())) {
                return r;
            }
        }
        throw new KinoException("The expert residency must be one, both or auto, but '" + text
                + "' was given.");
    }

    /**
     * Whether {@code pkg} runs one expert at a time: {@link #AUTO} plans the package at its default size (the
     * one that is known at load) and picks {@link #ONE} when both experts' weights and activations exceed
     * {@code budgetBytes}, the memory ONNX Runtime may use (the device's, less the process's own on the CPU;
     * 0 or less: unknown, so both stay as before).
     */
    public boolean oneAtATime(ModelPackage pkg, long budgetBytes) {
        Manifest m = pkg.manifest();
        if (m.denoiser().experts().size() < 2 || this == BOTH) {
            return false;
        }
        if (this == ONE) {
            return true;
        }
        Manifest.Defaults d = m.defaults();
        int batch = m.denoiser().dynamicBatch() && d.guidance() > 1 ? 2 : 1;
        return budgetBytes > 0 && !bothFit(MemoryPlan.of(pkg, d.width(), d.height(), d.frames(), batch), budgetBytes);
    }

    /** Whether {@code plan} with every expert resident fits {@code budgetBytes} of ONNX Runtime memory. */
    public static boolean bothFit(MemoryPlan plan, long budgetBytes) {
        return plan.runtimeBytes() <= budgetBytes;
    }
}
