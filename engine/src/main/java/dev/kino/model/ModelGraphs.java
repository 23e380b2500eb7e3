package dev.kino.model;

import dev.kino.KinoException;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.OnnxRuntime;

import java.util.ArrayList;
import java.util.List;

/**
 * The three ONNX sessions of a package, opened once and kept open across generations, after the manifest
 * has been checked against their real signatures.
 */
public final class ModelGraphs implements AutoCloseable {
    private final OnnxModel textEncoder;
    private final OnnxModel denoiser;
    private final OnnxModel vae;

    private ModelGraphs(OnnxModel textEncoder, OnnxModel denoiser, OnnxModel vae) {
        this.textEncoder = textEncoder;
        this.denoiser = denoiser;
        this.vae = vae;
    }

    /** Opens every graph and validates the manifest against them; on any failure nothing stays open. */
    public static ModelGraphs open(ModelPackage pkg, OnnxRuntime runtime) {
        Manifest m = pkg.manifest();
        List<OnnxModel> opened = new ArrayList<>();
        try {
            OnnxModel text = track(opened, runtime.open(pkg.resolve(m.textEncoder().file()), "text encoder"));
            OnnxModel denoiser = track(opened, runtime.open(pkg.resolve(m.denoiser().file()), "denoiser"));
            OnnxModel vae = track(opened, runtime.open(pkg.resolve(m.vae().file()), "VAE decoder"));
            List<String> mismatches = SignatureCheck.check(m, text, denoiser, vae);
            if (!mismatches.isEmpty()) {
                throw new KinoException("The manifest of " + pkg.dir() + " does not match its ONNX files ("
                        + mismatches.size() + " mismatch" + (mismatches.size() == 1 ? "" : "es") + "): "
                        + String.join("; ", mismatches) + ". Fix kino.json or re-export the model.");
            }
            return new ModelGraphs(text, denoiser, vae);
        } catch (RuntimeException e) {
            opened.forEach(OnnxModel::close);
            throw e;
        }
    }

    private static OnnxModel track(List<OnnxModel> opened, OnnxModel model) {
        opened.add(model);
        return model;
    }

    public OnnxModel textEncoder() {
        return textEncoder;
    }

    public OnnxModel denoiser() {
        return denoiser;
    }

    public OnnxModel vae() {
        return vae;
    }

    /** Nanoseconds spent inside ONNX Runtime across all three graphs. */
    public long runNanos() {
        return textEncoder.runNanos() + denoiser.runNanos() + vae.runNanos();
    }

    @Override
    public void close() {
        textEncoder.close();
        denoiser.close();
        vae.close();
    }
}
