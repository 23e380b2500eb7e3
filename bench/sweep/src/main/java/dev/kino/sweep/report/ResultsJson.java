package dev.kino.sweep.report;

import dev.kino.sweep.CellResult;
import dev.kino.sweep.SweepResults;
import dev.kino.sweep.io.BenchJson;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code results.json}: the sweep's settings, the summary per sampler setting, and every run's full record
 * (the same objects as the cells' {@code result.json}), for programs. JSON has no infinity or NaN: such
 * values are null, and {@code identical_to_reference} says which nulls mean "PSNR = ∞".
 */
public final class ResultsJson {
    private ResultsJson() {
    }

    public static void write(Path target, SweepResults results, String command) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("kino_sweep", 1);
        root.put("written_at", Instant.now().toString());
        root.put("command", command);
        root.put("notes", Map.of(
                "psnr_db", "Mean over frames of per-frame PSNR against the reference, dB; frames identical to the"
                        + " reference count at psnr_ceiling_db; null with identical_to_reference=true when every"
                        + " frame is identical (PSNR = infinity).",
                "ssim", "Mean over frames of SSIM on luma (BT.601), 11x11 Gaussian window, sigma 1.5, valid region.",
                "latent_relative_l2", "||latents - reference|| / ||reference|| of the final latents, before the VAE.",
                "temporal_ratio", "Mean frame-to-frame difference of the run over the reference's (1 = same amount of change).",
                "timings", "Milliseconds; onnx_ms is time inside ONNX Runtime's run calls, outside_onnx_ms the rest."));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("frames", results.settings().frames());
        settings.put("width", results.settings().width());
        settings.put("height", results.settings().height());
        settings.put("fps", results.settings().fps());
        settings.put("negative_prompt", results.settings().negativePrompt());
        root.put("settings", settings);
        root.put("model", results.model());
        root.put("machine", results.machine());
        root.put("warnings", results.warnings());
        root.put("summary", SweepSummary.of(results.cells()).stream().map(ResultsJson::point).toList());
        root.put("references", results.references());
        root.put("runs", results.cells());
        BenchJson.write(target, root);
    }

    private static Map<String, Object> point(SweepSummary.Point p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scheduler", p.scheduler());
        m.put("guidance", p.guidance());
        m.put("lora_strength", p.loraStrength());
        m.put("precision", p.precision());
        m.put("steps", p.steps());
        m.put("runs", p.runs());
        m.put("psnr_db", finite(p.psnrDb()));
        m.put("identical_to_reference", p.identicalToReference());
        m.put("ssim", finite(p.ssim()));
        m.put("latent_relative_l2", finite(p.latentRelativeL2()));
        m.put("temporal_ratio", finite(p.temporalRatio()));
        m.put("generation_ms", finite(p.generationMs()));
        m.put("step_ms", finite(p.stepMs()));
        m.put("onnx_step_ms", finite(p.onnxStepMs()));
        m.put("kino_step_ms", finite(p.kinoStepMs()));
        if (p.vsFp32() != null) {
            m.put("fp32_psnr_db", finite(p.vsFp32().psnrDb()));
            m.put("fp32_identical", Double.isInfinite(p.vsFp32().psnrDb()));
            m.put("fp32_ssim", finite(p.vsFp32().ssim()));
            m.put("fp32_latent_relative_l2", finite(p.vsFp32().latentRelativeL2()));
        }
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** All rows in file order: references first, then the cells. */
    static List<CellResult> rows(SweepResults results) {
        return java.util.stream.Stream.concat(results.references().stream(), results.cells().stream()).toList();
    }
}
