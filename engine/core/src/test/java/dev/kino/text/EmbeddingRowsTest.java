package dev.kino.text;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EmbeddingRowsTest {
    @Test
    void readsTheTableThatTheTokenIdsIndex() {
        assertEquals(26, EmbeddingRows.of(Fixtures.dir(Fixtures.UNET).resolve("text_encoder.onnx"), "input_ids"));
        // Weights in .onnx_data: the dimensions are still in the graph file.
        Path wan = Fixtures.testResources().resolve("wan/tiny-wan21/text_encoder.onnx");
        assertEquals(134, EmbeddingRows.of(wan, "input_ids"));
        assertEquals(-1, EmbeddingRows.of(wan, "no_such_input"));
        assertEquals(-1, EmbeddingRows.of(Fixtures.dir(Fixtures.UNET).resolve("tokenizer.json"), "input_ids"),
                "not ONNX: no answer, no exception");
    }
}
