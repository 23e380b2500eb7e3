package dev.kino.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tokenizer from another model (more tokens than the text encoder embeds) is caught at load. */
class TokenizerMismatchTest {
    @Test
    void aLargerVocabularyThanTheEmbeddingTableIsOneSentenceAtLoad(@TempDir Path tmp) throws Exception {
        Path model = Fixtures.copy(Fixtures.UNET, tmp); // its text encoder embeds 26 tokens
        ObjectMapper json = new ObjectMapper();
        ObjectNode tok = (ObjectNode) json.readTree(model.resolve("tokenizer.json").toFile());
        ObjectNode vocab = (ObjectNode) tok.path("model").path("vocab");
        for (int i = 0; i < 40; i++) {
            vocab.put("word" + i, 26 + i);
        }
        json.writeValue(model.resolve("tokenizer.json").toFile(), tok);
        Cli.Run run = Cli.kino("generate", "a red circle", "--model", model.toString(), "-o",
                tmp.resolve("o.mp4").toString(), "-q", "--steps", "1");
        assertEquals(1, run.exitCode(), run.err());
        String err = run.err().strip();
        assertTrue(err.startsWith("kino: The tokenizer tokenizer.json has 66 tokens but the text encoder"
                + " text_encoder.onnx embeds only 26"), err);
        assertFalse(err.contains("Gather") || err.contains("Model "), "caught at load, before any run: " + err);
    }

    @Test
    void theShippedPackagesPass(@TempDir Path tmp) {
        for (String fixture : new String[] {Fixtures.UNET, Fixtures.DIT_FLOW}) {
            Cli.Run run = Cli.kino("generate", "a red circle", "--model", Fixtures.dir(fixture).toString(), "-o",
                    tmp.resolve(fixture + ".mp4").toString(), "-q", "--steps", "1", "--upscale", "1");
            assertEquals(0, run.exitCode(), run.err());
        }
    }
}
