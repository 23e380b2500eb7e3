package dev.kino.text;

import dev.kino.Fixtures;
import dev.kino.model.ModelPackage;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tokenizer longer than 512 tokens keeps the manifest's length: HunyuanVideo's Qwen template takes 1108 tokens
 * (DJL would otherwise cap it at its default model length, 512, and cut or refuse prompts far shorter than the
 * model allows). Token counts: the tiny package's tokenizer with the template, counted with HuggingFace tokenizers.
 */
class PromptTokenizerTest {
    private static final Path HUNYUAN = Fixtures.testResources().resolve("hunyuan/tiny-hunyuan");

    @Test
    void aTemplatedPromptBetween512AndTheManifestsLengthIsNotCut() {
        String template = ModelPackage.open(HUNYUAN).manifest().textEncoders().get(0).template();
        try (PromptTokenizer tokenizer = PromptTokenizer.load(HUNYUAN.resolve("tokenizer.json"), 1108, "max_length")) {
            Tokens fits = tokenizer.tokenize(template.replace("{prompt}", "abcdefghij".repeat(60)));
            assertFalse(fits.truncated(), "704 tokens fit in 1108");
            assertEquals(704, fits.length());
            assertEquals(1108, fits.ids().length);
            Tokens over = tokenizer.tokenize(template.replace("{prompt}", "abcdefghij".repeat(120)));
            assertTrue(over.truncated(), "1184 tokens do not fit in 1108");
            assertEquals(1108, over.length());
        }
    }
}
