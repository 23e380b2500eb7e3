package dev.kino.model;

import ai.onnxruntime.OnnxJavaType;
import dev.kino.model.Manifest.Precision;
import dev.kino.runtime.GraphSignature;
import dev.kino.runtime.Port;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares the manifest with the signatures the ONNX graphs declare: names, ranks, element types (the
 * precision), fixed dimensions and whether the batch axis is dynamic. Every mismatch is collected.
 */
final class SignatureCheck {
    private final List<String> problems = new ArrayList<>();

    private SignatureCheck() {
    }

    static List<String> check(Manifest m, PackageSignatures graphs) {
        List<GraphSignature> texts = graphs.textEncoders();
        SignatureCheck c = new SignatureCheck();
        List<Manifest.TextEncoder> specs = m.textEncoders();
        for (int i = 0; i < specs.size(); i++) {
            c.textEncoder(specs.get(i), texts.get(i));
        }
        for (GraphSignature denoiser : graphs.denoisers()) {
            c.denoiser(m, denoiser, texts.get(0));
            for (int i = 1; i < specs.size(); i++) {
                c.routedText(specs.get(i), denoiser, texts.get(i));
            }
        }
        c.vae(m, graphs.vae(), List.of());
        if (graphs.vaeNext() != null) {
            c.vae(m, graphs.vaeNext(), m.vae().cacheInputs());
        }
        return c.problems;
    }

    private void textEncoder(Manifest.TextEncoder t, GraphSignature g) {
        Set<String> named = new HashSet<>();
        Port ids = input(g, t.inputIds(), 2, named);
        if (ids != null) {
            integer(g, ids);
            batch(g, ids, t.dynamicBatch());
            if (ids.shape()[1] > 0 && ids.shape()[1] != t.tokenizedLength()) {
                problems.add(g.role() + " input " + ids.name() + " has a fixed length of " + ids.shape()[1]
                        + " tokens but max_length + crop_start is " + t.tokenizedLength());
            }
        }
        if (t.attentionMask() != null) {
            Port mask = input(g, t.attentionMask(), 2, named);
            if (mask != null) {
                integer(g, mask);
            }
        }
        unnamedInputs(g, named);
        Port out = output(g, t.output(), 3);
        if (out != null) {
            precision(g, out, t.precision(), "text_encoder.precision");
        }
    }

    private void denoiser(Manifest m, GraphSignature g, GraphSignature text) {
        Manifest.Denoiser d = m.denoiser();
        Set<String> named = new HashSet<>();
        Port sample = input(g, d.sample(), 5, named);
        if (sample != null) {
            precision(g, sample, d.precision(), "denoiser.precision");
            batch(g, sample, d.dynamicBatch());
            fixedDim(g, sample, 1, d.inChannels() > 0 ? d.inChannels() : m.latent().channels(),
                    d.inChannels() > 0 ? "denoiser.in_channels" : "latent.channels");
        }
        if (d.imageEmbeddings() != null) {
            input(g, d.imageEmbeddings(), 3, named);
        }
        Port t = named(g.inputs(), d.timestep(), g, "input");
        if (t != null) {
            named.add(t.name());
            if (d.timestepPerFrame() && t.rank() != 2) {
                problems.add(g.role() + " input " + t.name() + " has rank " + t.rank() + " but"
                        + " denoiser.timestep_per_frame asks for one value per batch entry and latent frame");
            } else if (!d.timestepPerFrame() && t.rank() > 1) {
                problems.add(g.role() + " input " + t.name() + " has rank " + t.rank() + " but a timestep must be"
                        + " a scalar or one value per batch entry");
            }
            boolean isInt = t.type() == OnnxJavaType.INT64;
            if (isInt != d.timestepDtype().equals("int64")) {
                problems.add(g.role() + " input " + t.name() + " is " + t.typeName() + " but denoiser.timestep_dtype"
                        + " is " + d.timestepDtype());
            }
        }
        Port emb = input(g, d.textEmbeddings(), 3, named);
        Port textOut = text.outputs().get(m.textEncoder().output());
        if (emb != null && textOut != null && textOut.rank() == 3) {
            long want = textOut.shape()[2];
            long got = emb.shape()[2];
            if (want > 0 && got > 0 && want != got) {
                problems.add(g.role() + " input " + emb.name() + " takes embeddings of width " + got
                        + " but the text encoder makes width " + want);
            }
        }
        if (d.textMask() != null) {
            input(g, d.textMask(), 2, named);
        }
        if (d.frameRate() != null) {
            input(g, d.frameRate(), 1, named);
        }
        for (Manifest.TextEncoder extra : m.extraTextEncoders()) {   // checked by routedText
            named.add(extra.denoiserInput());
            if (extra.denoiserMask() != null) {
                named.add(extra.denoiserMask());
            }
        }
        unnamedInputs(g, named);
        Port out = output(g, d.output(), 5);
        if (out != null) {
            precision(g, out, d.precision(), "denoiser.precision");
        }
    }

    /** An extra text encoder's embeddings (and mask) as the denoiser takes them: names, ranks, widths. */
    private void routedText(Manifest.TextEncoder t, GraphSignature g, GraphSignature text) {
        Set<String> named = new HashSet<>();
        Port emb = input(g, t.denoiserInput(), 3, named);
        Port made = text.outputs().get(t.output());
        if (emb != null && made != null && made.rank() == 3) {
            long want = made.shape()[2];
            long got = emb.shape()[2];
            if (want > 0 && got > 0 && want != got) {
                problems.add(g.role() + " input " + emb.name() + " takes embeddings of width " + got + " but "
                        + text.role() + " makes width " + want);
            }
        }
        if (t.denoiserMask() != null) {
            input(g, t.denoiserMask(), 2, named);
        }
    }

    /** A VAE graph; {@code caches} are the cache inputs it takes (the next-frame graph of a causal VAE). */
    private void vae(Manifest m, GraphSignature g, List<String> caches) {
        Manifest.Vae v = m.vae();
        int rank = v.kind() == Manifest.VaeKind.TWO_D ? 4 : 5;
        Set<String> named = new HashSet<>();
        Port in = input(g, v.input(), rank, named);
        if (in != null) {
            precision(g, in, v.precision(), "vae.precision");
            batch(g, in, v.dynamicBatch());
            fixedDim(g, in, 1, m.latent().channels(), "latent.channels");
        }
        if (v.decodeNoise() != null) {
            input(g, v.decodeNoise().timestepInput(), 1, named);
        }
        for (Manifest.InjectedNoise plane : v.injectedNoise()) {
            input(g, plane.input(), 2, named);
        }
        for (String cache : caches) {
            if (named(g.inputs(), cache, g, "cache input") != null) {
                named.add(cache);
            }
        }
        for (String cache : v.cacheOutputs()) {
            named(g.outputs(), cache, g, "cache output");
        }
        unnamedInputs(g, named);
        Port out = output(g, v.output(), rank);
        if (out != null) {
            precision(g, out, v.precision(), "vae.precision");
            fixedDim(g, out, 1, 3, "RGB output");
        }
        if (v.latentsMean() != null && v.latentsMean().length != m.latent().channels()) {
            problems.add("vae.latents_mean has " + v.latentsMean().length + " values but latent.channels is "
                    + m.latent().channels());
        }
    }

    private Port input(GraphSignature g, String name, int rank, Set<String> named) {
        Port p = named(g.inputs(), name, g, "input");
        if (p != null) {
            named.add(name);
            rank(g, p, rank);
        }
        return p;
    }

    private Port output(GraphSignature g, String name, int rank) {
        Port p = named(g.outputs(), name, g, "output");
        if (p != null) {
            rank(g, p, rank);
        }
        return p;
    }

    private Port named(Map<String, Port> ports, String name, GraphSignature g, String what) {
        Port p = ports.get(name);
        if (p == null) {
            problems.add(g.role() + " has no " + what + " named \"" + name + "\" (it has " + ports.keySet() + ")");
        }
        return p;
    }

    private void rank(GraphSignature g, Port p, int rank) {
        if (p.rank() != rank) {
            problems.add(g.role() + " " + p.describe() + " has rank " + p.rank() + " but Kino feeds rank " + rank);
        }
    }

    private void integer(GraphSignature g, Port p) {
        if (p.type() != OnnxJavaType.INT64) {
            problems.add(g.role() + " input " + p.name() + " is " + p.typeName() + " but token ids and masks are int64");
        }
    }

    private void precision(GraphSignature g, Port p, Precision precision, String key) {
        OnnxJavaType want = precision == Precision.FP16 ? OnnxJavaType.FLOAT16 : OnnxJavaType.FLOAT;
        if (p.type() != want) {
            problems.add(g.role() + " " + p.name() + " is " + p.typeName() + " but " + key + " is "
                    + precision.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private void batch(GraphSignature g, Port p, boolean dynamic) {
        if (p.rank() == 0) {
            return;
        }
        long b = p.shape()[0];
        if (dynamic && b >= 0) {
            problems.add(g.role() + " input " + p.name() + " has a fixed batch of " + b
                    + " but the manifest says dynamic_batch: true");
        } else if (!dynamic && b != 1) {
            problems.add(g.role() + " input " + p.name() + (b < 0 ? " has a dynamic batch axis" : " has a batch of " + b)
                    + " but the manifest says dynamic_batch: false (Kino then runs batches of 1)");
        }
    }

    private void fixedDim(GraphSignature g, Port p, int axis, int want, String key) {
        if (p.rank() > axis && p.shape()[axis] >= 0 && p.shape()[axis] != want) {
            problems.add(g.role() + " " + p.describe() + " has " + p.shape()[axis] + " channels but " + key
                    + " is " + want);
        }
    }

    private void unnamedInputs(GraphSignature g, Set<String> named) {
        for (String name : g.inputs().keySet()) {
            if (!named.contains(name)) {
                problems.add(g.role() + " input \"" + name + "\" is not named in the manifest, so Kino cannot feed it");
            }
        }
    }
}
