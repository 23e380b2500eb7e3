package dev.kino.text;

import dev.kino.model.Manifest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The quoted parts of a prompt, for a text encoder that reads on-screen text only (HunyuanVideo 1.5's ByT5
 * "glyph" encoder): every {@code "..."} or {@code \u201c...\u201d} span (shortest match, left to right, not across a newline: Python's {@code re} rules), duplicates
 * dropped when there are several, each set into {@link Manifest.Quoted#each()} and joined as the manifest says.
 */
public final class QuotedText {
    private static final Pattern QUOTED = Pattern.compile("\"(.*?)\"|\u201c(.*?)\u201d", Pattern.UNIX_LINES);

    private QuotedText() {
    }

    /** The text the encoder reads, or null when the prompt quotes nothing. */
    public static String select(String prompt, Manifest.Quoted rule) {
        List<String> spans = new ArrayList<>();
        Matcher m = QUOTED.matcher(prompt);
        while (m.find()) {
            spans.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        if (spans.isEmpty()) {
            return null;
        }
        if (spans.size() > 1) {   // diffusers: dict.fromkeys, first occurrence kept, only for several spans
            spans = new ArrayList<>(new LinkedHashSet<>(spans));
        }
        List<String> parts = new ArrayList<>();
        for (String s : spans) {
            parts.add(rule.each().replace("{}", s));
        }
        return String.join(rule.separator(), parts) + rule.suffix();
    }
}
