package dev.kino.sweep;

import dev.kino.KinoException;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A sweep's prompts file: UTF-8 text, one prompt per line; blank lines and lines starting with # are skipped. */
public final class PromptFile {
    private PromptFile() {
    }

    public static List<String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new KinoException("The prompts file " + file.toAbsolutePath().normalize() + " does not exist; give a"
                    + " text file with one prompt per line.");
        }
        List<String> prompts;
        try {
            prompts = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (MalformedInputException e) {
            throw new KinoException("The prompts file " + file + " is not UTF-8 text; save it as UTF-8.", e);
        } catch (IOException e) {
            throw new KinoException("Could not read the prompts file " + file + ": " + e.getMessage() + ".", e);
        }
        if (prompts.isEmpty()) {
            throw new KinoException("The prompts file " + file + " has no prompts; write one prompt per line (lines"
                    + " starting with # are comments).");
        }
        return prompts;
    }
}
