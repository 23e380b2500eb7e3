package dev.kino.sweep.report;

import dev.kino.pipeline.StageTimings;
import dev.kino.sweep.CellResult;
import dev.kino.sweep.io.AtomicFiles;
import dev.kino.sweep.io.BenchJson;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code results.csv}: one row per run of the grid (references in their own rows, marked {@code reference}),
 * in plain RFC 4180 CSV for spreadsheets and pandas. Times are milliseconds, memory bytes. A PSNR of a video
 * identical to its reference is written {@code inf} (pandas and NumPy read it as infinity); figures that do not
 * apply (quality of a reference, GPU memory on the CPU) are left empty. With a precision axis, {@code fp32_*} are
 * a mode's cell against the fp32 cell of the same settings (empty for fp32 cells). Per-step and per-frame lists are
 * space-separated within one field.
 */
public final class ResultsCsv {
    private record Column(String name, Function<CellResult, Object> value) {
    }

    private static final List<Column> COLUMNS = List.of(
            col("run", r -> r.referenceRun() ? "reference" : "cell"),
            col("id", CellResult::id),
            col("model", r -> r.model().name()),
            col("prompt", CellResult::prompt),
            col("seed", CellResult::seed),
            col("guidance", CellResult::guidance),
            col("scheduler", CellResult::scheduler),
            col("steps", CellResult::steps),
            col("lora_strength", CellResult::loraStrength),
            col("precision", CellResult::precision),
            col("scheduler_config", r -> json(r.schedulerConfig())),
            col("reference_scheduler", r -> r.referenceRun() ? null : r.reference().scheduler()),
            col("reference_steps", r -> r.referenceRun() ? null : r.reference().steps()),
            col("psnr_db", r -> r.quality() == null ? null : r.quality().identicalToReference() ? "inf" : r.quality().psnrDb()),
            col("psnr_min_db", r -> r.quality() == null ? null : r.quality().identicalToReference() ? "inf" : r.quality().psnrMinDb()),
            col("psnr_frames_db", r -> r.quality() == null ? null : join(r.quality().psnrFramesDb())),
            col("ssim", r -> r.quality() == null ? null : r.quality().ssim()),
            col("ssim_min", r -> r.quality() == null ? null : r.quality().ssimMin()),
            col("ssim_frames", r -> r.quality() == null ? null : join(r.quality().ssimFrames())),
            col("latent_rel_l2", r -> r.quality() == null ? null : r.quality().latentRelativeL2()),
            col("latent_rmse", r -> r.quality() == null ? null : r.quality().latentRmse()),
            col("fp32_psnr_db", r -> r.vsFp32() == null ? null : r.vsFp32().identicalToReference() ? "inf" : r.vsFp32().psnrDb()),
            col("fp32_psnr_min_db", r -> r.vsFp32() == null ? null : r.vsFp32().identicalToReference() ? "inf" : r.vsFp32().psnrMinDb()),
            col("fp32_ssim", r -> r.vsFp32() == null ? null : r.vsFp32().ssim()),
            col("fp32_latent_rel_l2", r -> r.vsFp32() == null ? null : r.vsFp32().latentRelativeL2()),
            col("temporal_diff", r -> r.quality() == null ? null : r.quality().temporalDiff()),
            col("temporal_diff_reference", r -> r.quality() == null ? null : r.quality().temporalDiffReference()),
            col("temporal_ratio", r -> r.quality() == null ? null : r.quality().temporalRatio()),
            col("generation_ms", r -> r.timings().generationMs()),
            col("total_ms", r -> r.timings().totalMs()),
            col("tokenize_ms", r -> r.timings().wallMs(StageTimings.TOKENIZE)),
            col("text_encode_ms", r -> r.timings().wallMs(StageTimings.TEXT_ENCODE)),
            col("text_encode_onnx_ms", r -> r.timings().onnxMs(StageTimings.TEXT_ENCODE)),
            col("denoise_ms", r -> r.timings().wallMs(StageTimings.DENOISE)),
            col("denoise_onnx_ms", r -> r.timings().onnxMs(StageTimings.DENOISE)),
            col("vae_decode_ms", r -> r.timings().wallMs(StageTimings.VAE_DECODE)),
            col("vae_decode_onnx_ms", r -> r.timings().onnxMs(StageTimings.VAE_DECODE)),
            col("encode_mp4_ms", r -> r.timings().wallMs(StageTimings.ENCODE_MP4)),
            col("onnx_ms", r -> r.timings().onnxTotalMs()),
            col("outside_onnx_ms", r -> r.timings().totalMs() - r.timings().onnxTotalMs()),
            col("mean_step_ms", r -> r.timings().meanStepMs()),
            col("steps_ms", r -> join(r.timings().stepsMs())),
            col("timing_repeats", r -> r.timings().repeats()),
            col("peak_rss_bytes", r -> r.memory().peakRssBytes()),
            col("gpu_memory_bytes", r -> r.memory().gpuBytes()),
            col("frames", r -> r.video().frames()),
            col("width", r -> r.video().width()),
            col("height", r -> r.video().height()),
            col("execution_provider", r -> r.machine().executionProvider()),
            col("onnx_threads", CellResult::onnxThreads),
            col("cpu", r -> r.machine().cpu()),
            col("logical_cores", r -> r.machine().logicalCores()),
            col("memory_bytes", r -> r.machine().memoryBytes()),
            col("gpu", r -> r.machine().gpu()),
            col("os", r -> r.machine().os()),
            col("java", r -> r.machine().java()),
            col("kino_version", r -> r.machine().kino()),
            col("onnxruntime_version", r -> r.machine().onnxRuntime()),
            col("model_fingerprint", r -> r.model().fingerprint()),
            col("finished_at", CellResult::finishedAt));

    private ResultsCsv() {
    }

    private static Column col(String name, Function<CellResult, Object> value) {
        return new Column(name, value);
    }

    public static List<String> header() {
        return COLUMNS.stream().map(Column::name).toList();
    }

    public static void write(Path target, List<CellResult> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", header())).append("\r\n");
        for (CellResult r : rows) {
            List<String> fields = new ArrayList<>();
            for (Column c : COLUMNS) {
                fields.add(field(c.value().apply(r)));
            }
            sb.append(String.join(",", fields)).append("\r\n");
        }
        AtomicFiles.writeString(target, sb.toString());
    }

    static String field(Object v) {
        if (v == null) {
            return "";
        }
        String s;
        if (v instanceof Double d) {
            s = Double.isNaN(d) ? "" : Double.isInfinite(d) ? (d > 0 ? "inf" : "-inf") : format(d);
        } else {
            s = v.toString();
        }
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    /** Up to 6 significant decimals, no exponent for ordinary values. */
    private static String format(double d) {
        String s = String.format(Locale.ROOT, "%.6f", d);
        s = s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        return s.equals("-0") ? "0" : s;
    }

    /** Space-separated values in one field; a null (an identical frame's PSNR) is written inf. */
    private static String join(List<Double> values) {
        return String.join(" ", values.stream().map(v -> v == null ? "inf" : format(v)).toList());
    }

    private static String json(Object value) {
        try {
            return BenchJson.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }
}
