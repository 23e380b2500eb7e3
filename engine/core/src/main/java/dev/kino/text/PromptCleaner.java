package dev.kino.text;

import org.apache.commons.text.StringEscapeUtils;

import java.util.regex.Pattern;

/**
 * Wan's prompt clean-up ({@code prompt_clean} in diffusers' WanPipeline), for models whose manifest asks for
 * it: HTML entities unescaped twice ({@code &amp;amp;} → {@code &}), every run of whitespace made one space,
 * the ends stripped. diffusers also applies {@code ftfy.fix_text} when ftfy is installed; Kino does not.
 */
public final class PromptCleaner {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private PromptCleaner() {
    }

    public static String clean(String text) {
        String s = StringEscapeUtils.unescapeHtml4(StringEscapeUtils.unescapeHtml4(text));
        return WHITESPACE.matcher(s).replaceAll(" ").strip();
    }
}
