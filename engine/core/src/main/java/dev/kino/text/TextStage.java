package dev.kino.text;

import dev.kino.KinoException;
import dev.kino.model.Manifest;
import dev.kino.runtime.OnnxModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Every text encoder of a model with its tokenizer, in manifest order: prompt → (the encoder's view of it:
 * cleaned, set into its template, or its quoted parts) → tokens → embeddings, the first encoder's for the
 * denoiser's text input, each further one's routed to the inputs its manifest entry names.
 */
public final class TextStage implements AutoCloseable {
    private final List<Manifest.TextEncoder> specs;
    private final List<PromptTokenizer> tokenizers;
    private final List<TextEncoder> encoders;

    private TextStage(List<Manifest.TextEncoder> specs, List<PromptTokenizer> tokenizers, List<TextEncoder> encoders) {
        this.specs = specs;
        this.tokenizers = tokenizers;
        this.encoders = encoders;
    }

    /**
     * Loads each encoder's tokenizer ({@code resolve} turns a manifest path into a file) and checks that it fits
     * its graph; {@code graphs} are the open text encoder sessions in the same order as {@code specs}.
     */
    public static TextStage load(List<Manifest.TextEncoder> specs, List<OnnxModel> graphs, Function<String, Path> resolve) {
        List<PromptTokenizer> tokenizers = new ArrayList<>();
        try {
            List<TextEncoder> encoders = new ArrayList<>();
            for (int i = 0; i < specs.size(); i++) {
                Manifest.TextEncoder t = specs.get(i);
                PromptTokenizer tokenizer = PromptTokenizer.load(resolve.apply(t.tokenizer()), t.tokenizedLength(),
                        t.padding());
                tokenizers.add(tokenizer);
                tokenizer.checkFits(graphs.get(i).file(), t.inputIds());
                encoders.add(new TextEncoder(graphs.get(i), t));
            }
            return new TextStage(List.copyOf(specs), List.copyOf(tokenizers), List.copyOf(encoders));
        } catch (RuntimeException e) {
            tokenizers.forEach(PromptTokenizer::close);
            throw e;
        }
    }

    /**
     * The prompt (and negative prompt) as each encoder's tokens; {@code tokens().get(i)[1]} is null without
     * guidance, and either entry is null where a quoting encoder found no quotes.
     *
     * @throws KinoException when a prompt does not fit a templated encoder (cutting it would cut the template)
     */
    public Tokenized tokenize(String prompt, String negative, boolean guided) {
        List<Tokens[]> all = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            Manifest.TextEncoder t = specs.get(i);
            String p = view(t, prompt);
            String n = guided ? view(t, negative) : null;
            Tokens[] tokens;
            if (t.quoted() == null && guided) {
                tokens = tokenizers.get(i).tokenizePair(p, n);
            } else {
                tokens = new Tokens[] {p == null ? null : tokenizers.get(i).tokenize(p),
                        n == null ? null : tokenizers.get(i).tokenize(n)};
            }
            if (t.template() != null) {
                fits(t, i, tokens[0], "prompt");
                fits(t, i, tokens[1], "negative prompt");
            }
            all.add(tokens);
        }
        return new Tokenized(all, guided);
    }

    /**
     * Refuses, in one sentence, a prompt or negative prompt that does not fit a templated encoder, from the
     * tokenizers alone (no session runs): what planning checks before any work.
     */
    public void checkFits(String prompt, String negative, boolean guided) {
        for (int i = 0; i < specs.size(); i++) {
            checkFits(specs.get(i), i, tokenizers.get(i), prompt, negative, guided);
        }
    }

    /**
     * {@link #checkFits(String, String, boolean)} for a package that is not loaded: each templated encoder's
     * tokenizer is loaded for the check and freed (models without a template load nothing).
     */
    public static void checkFits(List<Manifest.TextEncoder> specs, Function<String, Path> resolve, String prompt,
                                 String negative, boolean guided) {
        for (int i = 0; i < specs.size(); i++) {
            Manifest.TextEncoder t = specs.get(i);
            if (t.template() != null) {
                try (PromptTokenizer tokenizer = PromptTokenizer.load(resolve.apply(t.tokenizer()), t.tokenizedLength(),
                        t.padding())) {
                    checkFits(t, i, tokenizer, prompt, negative, guided);
                }
            }
        }
    }

    private static void checkFits(Manifest.TextEncoder t, int index, PromptTokenizer tokenizer, String prompt,
                                  String negative, boolean guided) {
        if (t.template() == null) {
            return;
        }
        fits(t, index, tokenizer.tokenize(view(t, prompt)), "prompt");
        if (guided) {
            fits(t, index, tokenizer.tokenize(view(t, negative)), "negative prompt");
        }
    }

    /** What encoder {@code t} reads of {@code text}: cleaned, templated, or only its quotes (null: none). */
    private static String view(Manifest.TextEncoder t, String text) {
        String s = t.cleanPrompt() ? PromptCleaner.clean(text) : text;
        if (t.quoted() != null) {
            return QuotedText.select(s, t.quoted());
        }
        if (t.template() != null) {
            return t.template().replace("{prompt}", s.isEmpty() ? t.emptyPrompt() : s);
        }
        return s;
    }

    private static void fits(Manifest.TextEncoder t, int index, Tokens tokens, String what) {
        if (tokens != null && tokens.truncated()) {
            throw new KinoException("The " + what + " is too long for the model's " + (index == 0 ? "" : (index + 1) + ". ")
                    + "text encoder: with its template it must fit " + t.tokenizedLength() + " tokens ("
                    + t.maxLength() + " for the prompt itself, about 3-4 characters each); shorten the " + what + ".");
        }
    }

    /** Runs every encoder on its tokens: the first encoder's embeddings, with the others' routed to their inputs. */
    public TextEmbeddings encode(Tokenized tokenized) {
        TextEmbeddings first = null;
        for (int i = 0; i < specs.size(); i++) {
            Tokens[] t = tokenized.tokens().get(i);
            TextEmbeddings e = encoders.get(i).encode(t[0], t[1], tokenized.guided());
            if (i == 0) {
                first = e;
            } else {
                first = first.with(new TextEmbeddings.Routed(specs.get(i).denoiserInput(), specs.get(i).denoiserMask(), e));
            }
        }
        return first;
    }

    /** The first encoder's tokenizer (what the prompt warnings and the CLI's token counts go by). */
    public PromptTokenizer tokenizer() {
        return tokenizers.get(0);
    }

    /** Each encoder's {cond, uncond} tokens, in manifest order. */
    public record Tokenized(List<Tokens[]> tokens, boolean guided) {

        /** The first encoder's {cond[, uncond]}, as one-encoder models always had them. */
        public Tokens[] first() {
            return tokens.get(0);
        }
    }

    @Override
    public void close() {
        tokenizers.forEach(PromptTokenizer::close);
    }
}
