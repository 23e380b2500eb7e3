package dev.kino.request;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One setting of a generation request, declared once in {@link RequestSchema}: its name on every surface, what
 * values it takes, where its default comes from, a one-line description and the surfaces that offer it. Every
 * surface reads a value through {@link #read}, so all of them accept and refuse the same values with the same
 * sentence ({@link SettingException#problem()}).
 *
 * @param <T> the value's Java type in a {@code GenerationRequest}
 */
public final class Setting<T> {
    /** What kind of value a setting takes. */
    public enum Kind {
        /** Text of at most {@link #maxLength()} characters. */
        TEXT,
        /** A whole number from {@link #min()} to {@link #max()}. */
        INTEGER,
        /** A finite number from {@link #min()} to {@link #max()}. */
        NUMBER,
        /** One of {@link #choices()}, in any case. */
        CHOICE,
        /** A file: a path on the command line and in shot lists, an uploaded file's {@code sha256:HEX} on a server. */
        FILE,
        /** Up to {@link #max()} files (a repeatable option, a JSON array). */
        FILES
    }

    /** Finds the files a surface names; throws {@link IllegalArgumentException} with the problem in words. */
    @FunctionalInterface
    public interface Files {
        /** The file {@code reference} names for {@code setting}. */
        Path find(Setting<?> setting, String reference);

        /** References are paths as given (the command line, a server's own stored requests). */
        Files PATHS = (setting, reference) -> Path.of(reference);
    }

    private final String name;
    private final Kind kind;
    private final Class<?> type;
    private final double min;
    private final double max;
    private final List<String> choices;
    private final String defaultText;
    private final String label;
    private final String doc;
    private final Set<Surface> surfaces;

    Setting(String name, Kind kind, Class<?> type, double min, double max, List<String> choices, String defaultText,
            String label, String doc, Set<Surface> surfaces) {
        this.name = name;
        this.kind = kind;
        this.type = type;
        this.min = min;
        this.max = max;
        this.choices = List.copyOf(choices);
        this.defaultText = defaultText;
        this.label = label;
        this.doc = doc;
        this.surfaces = Set.copyOf(surfaces.isEmpty() ? EnumSet.noneOf(Surface.class) : EnumSet.copyOf(surfaces));
    }

    /** Its name in JSON, YAML, CSV and HTTP ({@code last_image}); the option is {@link #option()}. */
    public String name() {
        return name;
    }

    /** The command-line option: {@code --last-image}. */
    public String option() {
        return "--" + name.replace('_', '-');
    }

    public Kind kind() {
        return kind;
    }

    /** Smallest value (numbers), fewest characters (text: 0, or 1 when required). */
    public double min() {
        return min;
    }

    /** Largest value (numbers), most characters (text, files), most files ({@link Kind#FILES}). */
    public double max() {
        return max;
    }

    /** Most characters of a text or file reference. */
    public int maxLength() {
        return kind == Kind.TEXT ? (int) max : 1000;
    }

    /** The accepted values of a {@link Kind#CHOICE}, lower case. */
    public List<String> choices() {
        return choices;
    }

    /** Whether an unset value means the model's own default (from its manifest). */
    public boolean fromModel() {
        return defaultText == null;
    }

    /** What an unset value means in words when it is not the model's default ({@code 0}, {@code crop}). */
    public String defaultText() {
        return defaultText;
    }

    /** The value's placeholder in help ({@code N}, {@code PICTURE}, {@code crop|pad|stretch}). */
    public String label() {
        return label;
    }

    /** One line saying what it does. */
    public String doc() {
        return doc;
    }

    /** Whether a surface offers it. */
    public boolean on(Surface surface) {
        return surfaces.contains(surface);
    }

    /** The Java type of its value. */
    public Class<?> type() {
        return type;
    }

    /** Whether the prompt: required, and on the command line the positional argument. */
    public boolean required() {
        return kind == Kind.TEXT && min > 0;
    }

    /**
     * Reads a value as a surface has it: text (command line, CSV), or a JSON value as Java (numbers, strings,
     * lists). Null stays null (unset).
     *
     * @throws SettingException saying what values the setting takes
     */
    @SuppressWarnings("unchecked")
    public T read(Object raw, Files files) {
        if (raw == null) {
            return null;
        }
        return (T) switch (kind) {
            case TEXT -> text(raw);
            case INTEGER -> integer(raw);
            case NUMBER -> number(raw);
            case CHOICE -> choice(raw);
            case FILE -> find(files, reference(raw));
            case FILES -> list(raw).stream().map(r -> find(files, reference(r))).toList();
        };
    }

    /** A value as JSON wants it (paths as text, choices lower case), for a request's JSON. */
    public Object json(Object value) {
        if (value instanceof Path p) {
            return p.toString();
        }
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        if (value instanceof List<?> l) {
            return l.stream().map(this::json).toList();
        }
        return value;
    }

    /**
     * Checks a value already of this setting's type (a request built in code, a model's default) against the
     * same limits {@link #read} applies; files and choices of an enum type are taken as they are.
     */
    @SuppressWarnings("unchecked")
    public T check(Object value) {
        if (value instanceof Number || value instanceof String) {
            return read(value, (setting, reference) -> Path.of(reference));
        }
        return (T) value;
    }

    private String text(Object raw) {
        if (!(raw instanceof String s)) {
            throw refuse("must be text, not " + shown(raw));
        }
        if (required() && s.isBlank()) {
            throw refuse("is empty; describe the video to make");
        }
        if (s.length() > max) {
            throw refuse("is " + s.length() + " characters long; at most " + (long) max + " are allowed");
        }
        return s;
    }

    private Object integer(Object raw) {
        BigDecimal v = decimal(raw);
        if (v == null || v.stripTrailingZeros().scale() > 0 || v.compareTo(BigDecimal.valueOf((long) min)) < 0
                || v.compareTo(new BigDecimal(BigInteger.valueOf((long) max))) > 0) {
            throw refuse("must be a whole number from " + (long) min + " to " + (long) max + ", not " + shown(raw));
        }
        return type == Long.class ? (Object) v.longValueExact() : (Object) v.intValueExact();
    }

    private Double number(Object raw) {
        BigDecimal v = decimal(raw);
        if (v == null || v.doubleValue() < min || v.doubleValue() > max) {
            throw refuse("must be a number from " + trim(min) + " to " + trim(max) + ", not " + shown(raw));
        }
        return v.doubleValue();
    }

    private Object choice(Object raw) {
        String s = raw instanceof String t ? t.trim().toLowerCase(Locale.ROOT) : null;
        if (s == null || !choices.contains(s)) {
            throw refuse("must be one of " + String.join(", ", choices) + ", not " + shown(raw));
        }
        if (type.isEnum()) {
            for (Object c : type.getEnumConstants()) {
                if (((Enum<?>) c).name().equalsIgnoreCase(s.replace('-', '_'))) {
                    return c;
                }
            }
        }
        return s;
    }

    private String reference(Object raw) {
        if (!(raw instanceof String s) || s.isBlank()) {
            throw refuse("must name a file, not " + shown(raw));
        }
        if (s.length() > maxLength()) {
            throw refuse("is " + s.length() + " characters long; a file name has at most " + maxLength());
        }
        return s;
    }

    private List<?> list(Object raw) {
        List<?> items = raw instanceof Collection<?> c ? new ArrayList<>(c) : List.of(raw);
        if (items.size() > max) {
            throw refuse("names " + items.size() + " files; at most " + (long) max + " are allowed");
        }
        return items;
    }

    private Path find(Files files, String reference) {
        try {
            return files.find(this, reference);
        } catch (SettingException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw refuse(e.getMessage());
        }
    }

    /** A number as given: JSON numbers, or text that spells one (command line, CSV); null when neither. */
    private static BigDecimal decimal(Object raw) {
        try {
            if (raw instanceof BigDecimal d) {
                return d;
            }
            if (raw instanceof BigInteger i) {
                return new BigDecimal(i);
            }
            if (raw instanceof Double || raw instanceof Float) {
                double d = ((Number) raw).doubleValue();
                return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : null;
            }
            if (raw instanceof Number n) {
                return BigDecimal.valueOf(n.longValue());
            }
            if (raw instanceof String s && s.trim().matches("[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?")) {
                return new BigDecimal(s.trim());
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return null;
    }

    private SettingException refuse(String problem) {
        return new SettingException(this, problem);
    }

    /** A value as the sentence shows it: text quoted and cut at 40 characters, lists and objects by kind. */
    static String shown(Object raw) {
        if (raw instanceof String s && decimal(s) != null) {
            return s.trim(); // a number given as text (command line, CSV) reads as the number given as JSON
        }
        if (raw instanceof String s) {
            String t = s.length() > 40 ? s.substring(0, 40) + "…" : s;
            return "\"" + t.replaceAll("\\p{Cntrl}", "?") + "\"";
        }
        if (raw instanceof Collection<?>) {
            return "a list";
        }
        if (raw instanceof java.util.Map<?, ?>) {
            return "an object";
        }
        if (raw instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue()) + ".0";
        }
        return String.valueOf(raw);
    }

    static String trim(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** Builds a setting; see {@link RequestSchema}. */
    static <T> Setting<T> of(String name, Kind kind, Class<T> type, double min, double max, List<String> choices,
                             String defaultText, String label, String doc, Set<Surface> surfaces) {
        return new Setting<>(name, kind, type, min, max, choices, defaultText, label, doc, surfaces);
    }

    /** Lower-case names of an enum's constants, {@code _} as {@code -}: the choices of an enum setting. */
    static List<String> names(Class<? extends Enum<?>> e) {
        List<String> out = new ArrayList<>();
        for (Enum<?> c : e.getEnumConstants()) {
            out.add(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
