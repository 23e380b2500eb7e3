package dev.kino.text;

import dev.kino.model.Manifest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The quoted-text rule of a glyph encoder, case by case as diffusers' {@code extract_glyph_texts} reads a prompt
 * (its outputs for these prompts, run once in Python, are the expected strings).
 */
class QuotedTextTest {
    private static final Manifest.Quoted HUNYUAN = new Manifest.Quoted("Text \"{}\"", ". ", ". ");

    @Test
    void aPromptWithoutQuotesGivesNothing() {
        assertNull(QuotedText.select("a red fox in the snow", HUNYUAN));
        assertNull(QuotedText.select("an unclosed \"quote", HUNYUAN));
    }

    @Test
    void straightAndCurlyQuotesAreReadInOrder() {
        assertEquals("Text \"OPEN\". Text \"CLOSED\". ",
                QuotedText.select("a sign reads \"OPEN\" then \u201cCLOSED\u201d", HUNYUAN));
    }

    @Test
    void repeatedTextIsReadOnceOnlyWhenThereAreSeveralSpans() {
        assertEquals("Text \"B\". Text \"D\". ", QuotedText.select("a \"B\" c \u201cD\u201d \"B\"", HUNYUAN));
        assertEquals("Text \"\". ", QuotedText.select("empty \"\" quotes", HUNYUAN));
    }

    @Test
    void aQuoteDoesNotSpanANewlineButSpansOtherLineBreaks() {
        // the first quote cannot close across the newline, so the span is the blank between the two middle quotes
        assertEquals("Text \" \". ", QuotedText.select("\"a\nb\" \"b\"", HUNYUAN));
        assertEquals("Text \"x\u2028y\". ", QuotedText.select("\"x\u2028y\"", HUNYUAN));
    }
}
