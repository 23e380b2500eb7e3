package dev.kino.model;

import dev.kino.KinoException;
import dev.kino.runtime.GraphSignature;

import java.util.ArrayList;
import java.util.List;

/**
 * The declared signatures of every graph of a package: the text encoder(s), denoiser expert(s) and VAE decoder
 * (all that planning a request needs) and the conditioning graphs (VAE encoder, image encoder). {@link #read} gets them from the files' headers, with no ONNX Runtime session, so a
 * server can check requests for a model of any size without loading it; {@link ModelGraphs#signatures()} gives
 * the same from open sessions.
 *
 * @param textEncoders one per {@link Manifest#textEncoders()}, in that order (the first is the main one)
 * @param denoisers   one per expert, high noise first
 * @param vae         the VAE decoder (the first-frame graph of a causal VAE)
 * @param vaeNext     a causal VAE's next-frame graph, or null
 * @param conditioning the VAE encoder (first[, next-frames]) and image encoder, those the package has, in that order
 */
public record PackageSignatures(List<GraphSignature> textEncoders, List<GraphSignature> denoisers, GraphSignature vae,
                                GraphSignature vaeNext, List<GraphSignature> conditioning) {

    static final String VAE_ENCODER_NEXT = "VAE next-frames encoder";
    static final String IMAGE_ENCODER = "image encoder";

    public PackageSignatures {
        textEncoders = List.copyOf(textEncoders);
        denoisers = List.copyOf(denoisers);
        conditioning = List.copyOf(conditioning);
    }

    /** Every graph, in {@link ModelGraphs#all()}'s order: text encoders, denoisers, VAE decoder(s), conditioning. */
    public List<GraphSignature> all() {
        List<GraphSignature> all = new ArrayList<>(textEncoders);
        all.addAll(denoisers);
        all.add(vae);
        if (vaeNext != null) {
            all.add(vaeNext);
        }
        all.addAll(conditioning);
        return all;
    }

    /** The main text encoder (the one whose output is the denoiser's text input). */
    public GraphSignature textEncoder() {
        return textEncoders.get(0);
    }

    /**
     * Reads the graphs' signatures from their files and checks the manifest against them.
     *
     * @throws KinoException listing every mismatch, as loading the package would
     */
    public static PackageSignatures read(ModelPackage pkg) {
        Manifest m = pkg.manifest();
        List<GraphSignature> texts = new ArrayList<>();
        List<Manifest.TextEncoder> specs = m.textEncoders();
        for (int i = 0; i < specs.size(); i++) {
            texts.add(GraphSignature.read(pkg.resolve(specs.get(i).file()), i == 0 ? "text encoder" : "text encoder " + (i + 1)));
        }
        List<Manifest.Expert> experts = m.denoiser().experts();
        List<GraphSignature> denoisers = new ArrayList<>();
        for (int i = 0; i < experts.size(); i++) {
            String role = experts.size() == 1 ? "denoiser" : "denoiser expert " + (i + 1);
            denoisers.add(GraphSignature.read(pkg.resolve(experts.get(i).file()), role));
        }
        GraphSignature vae = GraphSignature.read(pkg.resolve(m.vae().file()), "VAE decoder");
        GraphSignature next = m.vae().nextFile() == null ? null
                : GraphSignature.read(pkg.resolve(m.vae().nextFile()), "VAE next-frame decoder");
        PackageSignatures signatures = new PackageSignatures(texts, denoisers, vae, next, conditioning(pkg));
        signatures.check(pkg);
        return signatures;
    }

    /** The conditioning graphs' files and roles, as {@link ModelGraphs#open} opens them (read here from headers). */
    static List<GraphSignature> conditioning(ModelPackage pkg) {
        List<GraphSignature> graphs = new ArrayList<>();
        conditioningFiles(pkg.manifest()).forEach((role, file) -> graphs.add(GraphSignature.read(pkg.resolve(file), role)));
        return graphs;
    }

    /** Role -> file of the conditioning graphs the manifest names, in {@link #conditioning()}'s order. */
    static java.util.LinkedHashMap<String, String> conditioningFiles(Manifest m) {
        java.util.LinkedHashMap<String, String> files = new java.util.LinkedHashMap<>();
        Manifest.VaeEncoder encoder = m.videoEncoder();
        if (encoder != null) {
            files.put("VAE encoder", encoder.file());
            if (encoder.nextFile() != null) {
                files.put(VAE_ENCODER_NEXT, encoder.nextFile());
            }
        }
        if (m.conditioning() != null && m.conditioning().imageEncoder() != null) {
            files.put(IMAGE_ENCODER, m.conditioning().imageEncoder().file());
        }
        return files;
    }

    /** Checks the manifest against these signatures; every mismatch in one sentence. */
    void check(ModelPackage pkg) {
        List<String> mismatches = SignatureCheck.check(pkg.manifest(), this);
        if (!mismatches.isEmpty()) {
            throw new KinoException("The manifest of " + pkg.dir() + " does not match its ONNX files ("
                    + mismatches.size() + " mismatch" + (mismatches.size() == 1 ? "" : "es") + "): "
                    + String.join("; ", mismatches) + ". Fix kino.json or re-export the model.");
        }
    }
}
