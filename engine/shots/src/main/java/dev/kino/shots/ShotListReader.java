package dev.kino.shots;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kino.KinoException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a shot list (JSON, or YAML for {@code .yaml}/{@code .yml} files) and checks all of it before anything
 * renders: a {@link ShotListException} lists every problem with its line and field.
 *
 * <p>The reader checks what it can know without a model (types, ranges, names, scheduler names); whether a
 * model can make a shot's size and frame count is checked by the program that loads the model, also before it
 * renders anything.
 */
public final class ShotListReader {
    /** Largest shot-list file read, in bytes. */
    public static final int MAX_BYTES = 1 << 20;

    /** The syntax a shot list is written in. */
    public enum Format { JSON, YAML }

    private ShotListReader() {
    }

    /** Reads {@code file}; YAML when its name ends in {@code .yaml} or {@code .yml}, else JSON. */
    public static ShotList read(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        Format format = name.endsWith(".yaml") || name.endsWith(".yml") ? Format.YAML : Format.JSON;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new KinoException("The shot list " + file + " is larger than " + (MAX_BYTES >> 20)
                        + " MiB; split the project into several lists.");
            }
            Path folder = file.toAbsolutePath().normalize().getParent();
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString(), format,
                    PictureFiles.relativeTo(folder));
        } catch (NoSuchFileException e) {
            throw new KinoException("The shot list " + file + " does not exist; check the path.");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new KinoException("The shot list " + file + " is not UTF-8 text; save it as UTF-8.");
        } catch (IOException e) {
            throw new KinoException("Cannot read the shot list " + file + ": " + e.getMessage() + ".", e);
        }
    }

    /**
     * Parses a shot list's text that was not read from a file: a shot naming a picture file ({@code image},
     * {@code last_image}) is a problem, as there is no folder to find it in.
     *
     * @param text   the file's contents
     * @param source what to call it in messages (a file name, "the request body")
     * @param format JSON or YAML
     * @throws ShotListException naming every problem
     */
    public static ShotList parse(String text, String source, Format format) {
        return parse(text, source, format, PictureFiles.NONE);
    }

    /**
     * Parses a shot list's text.
     *
     * @param text   the file's contents
     * @param source what to call it in messages (a file name, "the request body")
     * @param format JSON or YAML
     * @param pictures where the pictures that shots name are ({@link PictureFiles#relativeTo} a folder, ...)
     * @throws ShotListException naming every problem
     */
    public static ShotList parse(String text, String source, Format format, PictureFiles pictures) {
        if (text.length() > MAX_BYTES) {
            throw new KinoException("The shot list " + source + " is larger than " + (MAX_BYTES >> 20)
                    + " MiB; split the project into several lists.");
        }
        JsonFactory factory = format == Format.YAML ? new YAMLFactory() : new JsonFactory();
        factory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        ObjectMapper mapper = new ObjectMapper(factory);
        JsonNode root;
        Map<String, Integer> lines;
        try {
            root = mapper.readTree(text);
            lines = lines(factory, text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String why = e.getOriginalMessage().replaceAll("\\s+", " ").replaceAll("[.\\s]+$", "");
            throw new ShotListException(source, List.of(new ShotListException.Problem(line, "",
                    "not valid " + format + " (" + why + ")")));
        } catch (IOException e) {
            throw new KinoException("Cannot read the shot list " + source + ": " + e.getMessage() + ".", e);
        }
        if (root == null || root.isMissingNode()) {
            throw new ShotListException(source, List.of(new ShotListException.Problem(0, "",
                    "the file is empty; a shot list is an object with \"project\" and \"shots\"")));
        }
        ShotListChecker checker = new ShotListChecker(lines, pictures);
        ShotList list = checker.check(root);
        if (!checker.problems().isEmpty()) {
            throw new ShotListException(source, checker.problems());
        }
        return list;
    }

    /** The line of every value and field name, keyed by JSON pointer ({@code /shots/1/steps}). */
    private static Map<String, Integer> lines(JsonFactory factory, String text) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = factory.createParser(text)) {
            while (p.nextToken() != null) {
                String pointer = p.getParsingContext().pathAsPointer().toString();
                lines.putIfAbsent(pointer, p.currentTokenLocation().getLineNr());
            }
        }
        return lines;
    }

    /** Shot-list field names, for "did you mean" hints. */
    static List<String> knownFields(boolean shot) {
        List<String> names = new ArrayList<>();
        if (shot) {
            names.addAll(List.of("name", "prompt"));
        }
        dev.kino.request.RequestSchema.on(dev.kino.request.Surface.SHOT_LIST).stream()
                .filter(s -> s != dev.kino.request.RequestSchema.PROMPT).forEach(s -> names.add(s.name()));
        names.addAll(List.of("model", "seconds", "takes"));
        if (shot) {
            names.addAll(List.of("seeds", "continue_from", "source_video_from", "control_video_from", "pick"));
        }
        return names;
    }
}
