package dev.kino.text;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The warning names what the tokenizer really lost, as the user typed it. */
class UnknownWordsTest {
    /** The demo model's kind of tokenizer: lowercase, every character outside [a-z0-9\s] replaced by a space. */
    private static final String DROPPING = """
            {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [
              {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
              {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
             "normalizer": {"type": "Sequence", "normalizers": [{"type": "Lowercase"},
               {"type": "Replace", "pattern": {"Regex": "[^a-z0-9\\\\s]"}, "content": " "}]},
             "pre_tokenizer": {"type": "WhitespaceSplit"}, "post_processor": null, "decoder": null,
             "model": {"type": "WordLevel", "vocab": {"[PAD]": 0, "[UNK]": 1, "a": 2, "red": 3, "circle": 4,
               "moving": 5, "right": 6}, "unk_token": "[UNK]"}}
            """;

    private static List<String> lost(Path tokenizerJson, String prompt) {
        try (PromptTokenizer t = PromptTokenizer.load(tokenizerJson, 16, "max_length")) {
            return t.tokenize(prompt).unknownWords();
        }
    }

    @Test
    void charactersTheNormalizerDropsAreReportedAsTyped(@TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("tokenizer.json"), DROPPING);
        assertEquals(List.of("réd"), lost(json, "a réd circle"));
        assertEquals(List.of("✨", "東京の夜", "→"), lost(json, "a red ✨ circle 東京の夜 moving → right"));
        assertEquals(List.of("🔴", "don't"), lost(json, "a 🔴 circle, don't right!"));
        assertEquals(List.of(), lost(json, "A red circle, moving right!"), "punctuation alone is not a lost word");
    }

    @Test
    void wordsMappedToTheUnknownTokenAreReportedOnceEach() {
        Path json = Fixtures.dir(Fixtures.UNET).resolve("tokenizer.json");
        assertEquals(List.of("zebra", "réd"), lost(json, "a zebra, réd zebra circle"));
        assertEquals(List.of(), lost(json, "a red circle moving left"));
    }
}
