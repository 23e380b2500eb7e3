package dev.kino.commandline;

import dev.kino.KinoException;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.request.RequestSchema;
import dev.kino.request.Setting;
import dev.kino.request.SettingException;
import dev.kino.request.Surface;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request options of a command ({@code --steps}, {@code --fit}, ...), one per command-line setting of
 * {@link RequestSchema}, built from the schema: their names, placeholders and help lines, and the checks and
 * sentences of their values, are the schema's. The prompt is the command's positional argument.
 */
public final class RequestOptions {
    private RequestOptions() {
    }

    /** Adds an option for every command-line setting but the prompt to {@code spec}. */
    public static void addTo(CommandSpec spec) {
        for (Setting<?> s : RequestSchema.on(Surface.CLI)) {
            if (s == RequestSchema.PROMPT) {
                continue;
            }
            String dflt = s.fromModel() ? "the model's" : s.defaultText();
            OptionSpec.Builder option = OptionSpec.builder(s.option()).paramLabel(s.label())
                    .description(s.doc().replaceAll("\\.$", "") + " (default: " + dflt + ").");
            if (s.kind() == Setting.Kind.FILES) {
                option.type(List.class).auxiliaryTypes(String.class);
            } else {
                option.type(String.class);
            }
            spec.addOption(option.build());
        }
    }

    /**
     * The request the options of a parsed {@code spec} give, for {@code prompt}.
     *
     * @throws KinoException naming the option and what values it takes, e.g. {@code --steps must be a whole
     *                       number from 1 to 1000, not "ten".}
     */
    public static GenerationRequest read(CommandSpec spec, String prompt) {
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        for (Setting<?> s : RequestSchema.on(Surface.CLI)) {
            Object raw = s == RequestSchema.PROMPT ? prompt : spec.findOption(s.option()).getValue();
            if (raw instanceof List<?> l && l.isEmpty()) {
                continue;
            }
            try {
                values.put(s, s.read(raw, Setting.Files.PATHS));
            } catch (SettingException e) {
                throw new KinoException((s == RequestSchema.PROMPT ? "The prompt" : s.option()) + " " + e.problem()
                        + ".", e);
            }
        }
        return GenerationRequest.of(values);
    }
}
