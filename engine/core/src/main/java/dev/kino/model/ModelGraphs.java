package dev.kino.model;

import dev.kino.KinoException;
import dev.kino.runtime.GraphSignature;
import dev.kino.runtime.OnnxModel;
import dev.kino.runtime.OnnxRuntime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ONNX sessions of a package (text encoders, denoiser(s), VAE, conditioning graphs), opened once and kept open across generations, after the manifest
 * has been checked against their real signatures.
 */
public final class ModelGraphs implements AutoCloseable {
    private final List<OnnxModel> textEncoders;
    private final List<OnnxModel> denoisers;
    private final OnnxModel vae;
    private final OnnxModel vaeNext;
    private final List<OnnxModel> conditioning;   // image models: VAE encoder (first[, next])[, image encoder]
    private final OnnxModel vaeEncoderNext;       // causal VAE encoders only
    private final OnnxModel imageEncoder;
    private final List<GraphSignature> denoiserSignatures;

    private ModelGraphs(List<OnnxModel> textEncoders, List<OnnxModel> denoisers, List<GraphSignature> denoiserSignatures,
                        OnnxModel vae, OnnxModel vaeNext,
                        List<OnnxModel> conditioning, OnnxModel vaeEncoderNext, OnnxModel imageEncoder) {
        this.textEncoders = List.copyOf(textEncoders);
        this.denoisers = List.copyOf(denoisers);
        this.denoiserSignatures = List.copyOf(denoiserSignatures);
        this.vae = vae;
        this.vaeNext = vaeNext;
        this.conditioning = List.copyOf(conditioning);
        this.vaeEncoderNext = vaeEncoderNext;
        this.imageEncoder = imageEncoder;
    }

    /** Opens every graph and validates the manifest against them; on any failure nothing stays open. */
    public static ModelGraphs open(ModelPackage pkg, OnnxRuntime runtime) {
        return open(pkg, runtime, true);
    }

    /**
     * {@link #open(ModelPackage, OnnxRuntime)}, but with {@code keepDenoisers} false each denoiser graph is opened
     * only to read its signature and closed again before the next opens ({@link #denoisers()} is then empty):
     * the caller opens the experts one at a time itself.
     */
    public static ModelGraphs open(ModelPackage pkg, OnnxRuntime runtime, boolean keepDenoisers) {
        Manifest m = pkg.manifest();
        List<OnnxModel> opened = new ArrayList<>();
        try {
            List<OnnxModel> texts = new ArrayList<>();
            List<Manifest.TextEncoder> specs = m.textEncoders();
            for (int i = 0; i < specs.size(); i++) {
                String role = i == 0 ? "text encoder" : "text encoder " + (i + 1);
                texts.add(track(opened, runtime.open(pkg.resolve(specs.get(i).file()), role)));
            }
            List<Manifest.Expert> experts = m.denoiser().experts();
            List<OnnxModel> denoisers = new ArrayList<>();
            List<GraphSignature> signatures = new ArrayList<>();
            for (int i = 0; i < experts.size(); i++) {
                String role = experts.size() == 1 ? "denoiser" : "denoiser expert " + (i + 1);
                OnnxModel d = runtime.open(pkg.resolve(experts.get(i).file()), role);
                if (keepDenoisers) {
                    denoisers.add(track(opened, d));
                } else {
                    try (d) {
                        signatures.add(d.signature());
                    }
                }
            }
            if (keepDenoisers) {
                denoisers.forEach(d -> signatures.add(d.signature()));
            }
            OnnxModel vae = track(opened, runtime.open(pkg.resolve(m.vae().file()), "VAE decoder"));
            OnnxModel vaeNext = m.vae().nextFile() == null ? null
                    : track(opened, runtime.open(pkg.resolve(m.vae().nextFile()), "VAE next-frame decoder"));
            // the check covers the graphs planning needs; the conditioning graphs open after it passes, as before
            signatures(texts, signatures, vae, vaeNext, List.of()).check(pkg);
            List<OnnxModel> conditioning = new ArrayList<>();
            OnnxModel encoderNext = null;
            OnnxModel image = null;
            for (Map.Entry<String, String> c : PackageSignatures.conditioningFiles(m).entrySet()) {
                OnnxModel g = track(opened, runtime.open(pkg.resolve(c.getValue()), c.getKey()));
                conditioning.add(g);
                switch (c.getKey()) {
                    case PackageSignatures.VAE_ENCODER_NEXT -> encoderNext = g;
                    case PackageSignatures.IMAGE_ENCODER -> image = g;
                    default -> { }
                }
            }
            return new ModelGraphs(texts, denoisers, signatures, vae, vaeNext, conditioning, encoderNext, image);
        } catch (RuntimeException e) {
            opened.forEach(OnnxModel::close);
            throw e;
        }
    }

    /** The open graphs' declared signatures (what planning needs). */
    public PackageSignatures signatures() {
        return signatures(textEncoders, denoiserSignatures, vae, vaeNext, conditioning);
    }

    private static PackageSignatures signatures(List<OnnxModel> texts, List<GraphSignature> denoisers, OnnxModel vae,
                                                OnnxModel vaeNext, List<OnnxModel> conditioning) {
        return new PackageSignatures(texts.stream().map(OnnxModel::signature).toList(), denoisers,
                vae.signature(), vaeNext == null ? null : vaeNext.signature(),
                conditioning.stream().map(OnnxModel::signature).toList());
    }

    private static OnnxModel track(List<OnnxModel> opened, OnnxModel model) {
        opened.add(model);
        return model;
    }

    /** The (first) text encoder's session. */
    public OnnxModel textEncoder() {
        return textEncoders.get(0);
    }

    /** Every text encoder's session, in {@link Manifest#textEncoders()} order. */
    public List<OnnxModel> textEncoders() {
        return textEncoders;
    }

    /** The denoiser graph (the first, high-noise expert of a mixture). */
    public OnnxModel denoiser() {
        return denoisers.get(0);
    }

    /** Every denoiser graph, one per expert, from high noise to low noise (none when opened one at a time). */
    public List<OnnxModel> denoisers() {
        return denoisers;
    }

    /** Nanoseconds spent inside ONNX Runtime by the denoiser graph(s). */
    public long denoiserRunNanos() {
        return denoisers.stream().mapToLong(OnnxModel::runNanos).sum();
    }

    /** ONNX Runtime run calls of the denoiser graph(s). */
    public long denoiserRunCount() {
        return denoisers.stream().mapToLong(OnnxModel::runCount).sum();
    }

    /** The VAE decoder's session (the first-frame graph of a causal VAE). */
    public OnnxModel vae() {
        return vae;
    }

    /** The next-frame graph of a causal VAE, or null for other kinds. */
    public OnnxModel vaeNext() {
        return vaeNext;
    }

    /** Nanoseconds spent inside ONNX Runtime by the VAE graph(s). */
    public long vaeRunNanos() {
        return vae.runNanos() + (vaeNext == null ? 0 : vaeNext.runNanos());
    }

    /** ONNX Runtime run calls of the VAE graph(s). */
    public long vaeRunCount() {
        return vae.runCount() + (vaeNext == null ? 0 : vaeNext.runCount());
    }

    /** Image models: the VAE encoder's (first-frame) graph, or null. */
    public OnnxModel vaeEncoder() {
        return conditioning.isEmpty() ? null : conditioning.get(0);
    }

    /** Image models with a causal VAE encoder: its next-frames graph, or null. */
    public OnnxModel vaeEncoderNext() {
        return vaeEncoderNext;
    }

    /** Image models: every conditioning graph (VAE encoder steps, image encoder); empty for text models. */
    public List<OnnxModel> conditioningGraphs() {
        return conditioning;
    }

    /** The CLIP image encoder (Wan 2.1 I2V/FLF2V), or null. */
    public OnnxModel imageEncoder() {
        return imageEncoder;
    }

    /** Every open graph, text encoder first. */
    public List<OnnxModel> all() {
        List<OnnxModel> all = new ArrayList<>();
        all.addAll(textEncoders);
        all.addAll(denoisers);
        all.add(vae);
        if (vaeNext != null) {
            all.add(vaeNext);
        }
        all.addAll(conditioning);
        return all;
    }

    @Override
    public void close() {
        all().forEach(OnnxModel::close);
    }
}
