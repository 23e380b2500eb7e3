package dev.kino.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Turns prompts into token ids with the model's own HuggingFace {@code tokenizer.json}, through DJL's
 * bindings to the Rust tokenizers library, exactly as diffusers' pipelines call it: special tokens added,
 * truncation to the encoder's maximum, padding to {@code max_length} (or to the longer of cond/uncond).
 */
public final class PromptTokenizer implements AutoCloseable {
    static {
        // DJL otherwise tries to reach its metadata server at start; Kino runs offline.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private final long vocabulary;
    private final String unknownToken;
    private final int maxLength;
    private final boolean padToMaxLength;

    private PromptTokenizer(HuggingFaceTokenizer tokenizer, Path file, JsonNode json, int maxLength, boolean padToMax) {
        this.tokenizer = tokenizer;
        this.file = file;
        this.vocabulary = vocabulary(json);
        JsonNode unk = json.path("model").path("unk_token");
        this.unknownToken = unk.isTextual() ? unk.asText() : null;
        this.maxLength = maxLength;
        this.padToMaxLength = padToMax;
    }

    /**
     * @param padding {@code max_length} or {@code longest}
     */
    public static PromptTokenizer load(Path tokenizerJson, int maxLength, String padding) {
        boolean padToMax = "max_length".equals(padding);
        try {
            HuggingFaceTokenizer.Builder builder = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(maxLength);
            // DJL caps maxLength at the model's max length, which it reads from a tokenizer_config.json that
            // packages do not carry (default 512): HunyuanVideo's 1108-token template would be cut at 512. The
            // manifest's length is the model's.
            builder.configure(Map.of("modelMaxLength", Integer.toString(maxLength)));
            if (padToMax) {
                builder.optPadToMaxLength();
            } else {
                builder.optPadding(true);
            }
            JsonNode json = new ObjectMapper().readTree(tokenizerJson.toFile());
            return new PromptTokenizer(builder.build(), tokenizerJson, json, maxLength, padToMax);
        } catch (IOException | RuntimeException e) {
            throw new KinoException("Cannot load the tokenizer " + tokenizerJson + ": " + e.getMessage()
                    + "; it must be a HuggingFace tokenizer.json.", e);
        }
    }

    /** One more than the largest token id the tokenizer can produce (vocabulary and added tokens). */
    private static long vocabulary(JsonNode json) {
        long max = -1;
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isObject()) {
            for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
                max = Math.max(max, id.asLong());
            }
        } else if (vocab.isArray()) { // Unigram: [[piece, score], ...], ids are positions
            max = vocab.size() - 1;
        }
        for (JsonNode added : json.path("added_tokens")) {
            max = Math.max(max, added.path("id").asLong());
        }
        return max + 1;
    }

    /**
     * Checks that every id this tokenizer can produce has a row in the text encoder's embedding table (a
     * tokenizer from another model otherwise fails mid-run inside ONNX Runtime's Gather).
     */
    public void checkFits(Path textEncoderOnnx, String idsInput) {
        long rows = EmbeddingRows.of(textEncoderOnnx, idsInput);
        if (rows > 0 && vocabulary > rows) {
            throw new KinoException("The tokenizer " + file.getFileName() + " has " + vocabulary
                    + " tokens but the text encoder " + textEncoderOnnx.getFileName() + " embeds only " + rows
                    + ", so the two come from different models; put the tokenizer.json exported with this text"
                    + " encoder into the package.");
        }
    }

    public int maxLength() {
        return maxLength;
    }

    /** Tokenizes one prompt on its own (padded to max_length in either padding mode). */
    public Tokens tokenize(String prompt) {
        return toTokens(prompt, tokenizer.encode(prompt), maxLength);
    }

    /**
     * Tokenizes the prompt and negative prompt together, so that with {@code longest} padding both come out
     * the same length (they share one batch). Returns {cond, uncond}.
     */
    public Tokens[] tokenizePair(String prompt, String negativePrompt) {
        if (padToMaxLength) {
            return new Tokens[] {tokenize(prompt), tokenize(negativePrompt)};
        }
        Encoding[] both = tokenizer.batchEncode(List.of(prompt, negativePrompt));
        int length = both[0].getIds().length;
        return new Tokens[] {toTokens(prompt, both[0], length), toTokens(negativePrompt, both[1], length)};
    }

    private Tokens toTokens(String text, Encoding enc, int length) {
        long[] ids = enc.getIds();
        long[] mask = enc.getAttentionMask();
        if (ids.length != length) {
            // Only reachable with "longest" padding on a single prompt: pad it ourselves with the tokenizer's pad id 0.
            long[] paddedIds = new long[length];
            long[] paddedMask = new long[length];
            System.arraycopy(ids, 0, paddedIds, 0, Math.min(length, ids.length));
            System.arraycopy(mask, 0, paddedMask, 0, Math.min(length, mask.length));
            ids = paddedIds;
            mask = paddedMask;
        }
        int real = 0;
        for (long m : mask) {
            real += (int) m;
        }
        return new Tokens(ids, mask, real, unknownWords(text, enc), enc.exceedMaxLength());
    }

    /**
     * What the tokenizer lost, as the user typed it: runs of characters that no known token covers (mapped to
     * the unknown token, or dropped by the tokenizer's normalizer, as the demo model's drops "é", emoji, CJK and
     * "→"). Whitespace and punctuation alone are not reported (tokenizers drop them on purpose); punctuation
     * inside a lost word stays in it ("don't"). Special tokens (no span in the text) are ignored.
     */
    private List<String> unknownWords(String text, Encoding enc) {
        String[] tokens = enc.getTokens();
        CharSpan[] spans = enc.getCharTokenSpans();
        long[] special = enc.getSpecialTokenMask();
        if (spans == null) {
            return List.of();
        }
        int cps = text.codePointCount(0, text.length());
        boolean[] kept = new boolean[cps];
        for (int i = 0; i < tokens.length && i < spans.length; i++) {
            boolean isSpecial = special != null && i < special.length && special[i] == 1;
            if (spans[i] == null || isSpecial || tokens[i].equals(unknownToken)) {
                continue;
            }
            for (int c = Math.max(0, spans[i].getStart()); c < Math.min(cps, spans[i].getEnd()); c++) {
                kept[c] = true;
            }
        }
        LinkedHashSet<String> words = new LinkedHashSet<>();
        int[] points = text.codePoints().toArray();
        int c = 0;
        while (c < cps) {
            if (kept[c] || Character.isWhitespace(points[c])) {
                c++;
                continue;
            }
            int end = c;
            boolean lost = false;
            while (end < cps && !kept[end] && !Character.isWhitespace(points[end])) {
                lost |= !isPunctuation(points[end]);
                end++;
            }
            int from = c;
            int to = end;
            while (from < to && isPunctuation(points[from])) {
                from++;
            }
            while (to > from && isPunctuation(points[to - 1])) {
                to--;
            }
            if (lost && to > from) {
                words.add(new String(points, from, to - from));
            }
            c = end;
        }
        return new ArrayList<>(words);
    }

    private static boolean isPunctuation(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
