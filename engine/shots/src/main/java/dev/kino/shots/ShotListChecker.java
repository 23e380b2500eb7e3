package dev.kino.shots;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.request.RequestSchema;
import dev.kino.request.Setting;
import dev.kino.request.SettingException;
import dev.kino.request.Surface;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a parsed shot list field by field, collecting every problem, and builds the {@link ShotList}. */
final class ShotListChecker {
    static final int MAX_SHOTS = 1000;
    static final int MAX_TAKES = 100;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final List<String> TOP = List.of("project", "seed", "defaults", "shots");

    /** A shot's settings before defaults: the request settings the file gives, and the shot-list-only ones. */
    private record Settings(Map<Setting<?>, Object> request, String model, Double seconds, Integer takes) {
        static final Settings NONE = new Settings(Map.of(), null, null, null);

        Settings over(Settings d) {
            boolean ownLength = request.containsKey(RequestSchema.FRAMES) || seconds != null;
            Map<Setting<?>, Object> merged = new LinkedHashMap<>(d.request);
            if (ownLength) {
                merged.remove(RequestSchema.FRAMES);
            }
            merged.putAll(request);
            return new Settings(merged, or(model, d.model), ownLength ? seconds : d.seconds, or(takes, d.takes));
        }

        private static <T> T or(T a, T b) {
            return a != null ? a : b;
        }
    }

    private final Map<String, Integer> lines;
    private final PictureFiles pictures;
    private final List<ShotListException.Problem> problems = new ArrayList<>();

    /**
     * @param lines line of every JSON pointer
     * @param pictures where the pictures shots name are
     */
    ShotListChecker(Map<String, Integer> lines, PictureFiles pictures) {
        this.lines = lines;
        this.pictures = pictures;
    }

    List<ShotListException.Problem> problems() {
        return problems;
    }

    ShotList check(JsonNode root) {
        if (!root.isObject()) {
            problem("", "a shot list is an object with \"project\" and \"shots\", not " + kind(root));
            return null;
        }
        unknownFields(root, "", TOP);
        String project = text(root, "", "project", true, 200);
        Long given = root.has("seed") ? setting(RequestSchema.SEED, root.get("seed"), "/seed") : null;
        long seed = given == null ? 0L : given;
        Settings defaults = Settings.NONE;
        JsonNode d = root.get("defaults");
        if (d != null) {
            if (d.isObject()) {
                unknownFields(d, "/defaults", ShotListReader.knownFields(false));
                defaults = settings(d, "/defaults");
            } else {
                problem("/defaults", "must be an object of shot settings, not " + kind(d));
            }
        }
        JsonNode shotsNode = root.get("shots");
        List<Shot> shots = new ArrayList<>();
        if (shotsNode == null) {
            problem("", "\"shots\" is missing; list the shots as an array of objects with \"name\" and \"prompt\"");
        } else if (!shotsNode.isArray() || shotsNode.isEmpty()) {
            problem("/shots", "must be a non-empty array of shots");
        } else if (shotsNode.size() > MAX_SHOTS) {
            problem("/shots", "has " + shotsNode.size() + " shots; at most " + MAX_SHOTS + " fit in one list");
        } else {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < shotsNode.size(); i++) {
                Shot shot = shot(shotsNode.get(i), "/shots/" + i, i, seed, defaults);
                if (shot != null && !names.add(shot.name())) {
                    problem("/shots/" + i + "/name", "\"" + shot.name() + "\" names an earlier shot too; shot names must be unique");
                }
                shots.add(shot);
            }
            if (problems.isEmpty()) {
                continuations(shots);
            }
        }
        return problems.isEmpty() ? new ShotList(project, seed, shots) : null;
    }

    private Shot shot(JsonNode n, String at, int index, long projectSeed, Settings defaults) {
        if (!n.isObject()) {
            problem(at, "a shot is an object with \"name\" and \"prompt\", not " + kind(n));
            return null;
        }
        unknownFields(n, at, ShotListReader.knownFields(true));
        int before = problems.size();
        String name = text(n, at, "name", true, 64);
        if (name != null && !NAME.matcher(name).matches()) {
            problem(at + "/name", "\"" + name + "\" may hold only letters, digits, '-', '_' and '.', starting with a letter or digit");
        }
        String prompt = n.has("prompt") ? setting(RequestSchema.PROMPT, n.get("prompt"), at + "/prompt")
                : missing(at, "prompt");
        Settings s = settings(n, at).over(defaults);
        List<Long> seeds = new ArrayList<>();
        JsonNode seedsNode = n.get("seeds");
        if (seedsNode != null) {
            if (!seedsNode.isArray() || seedsNode.isEmpty() || seedsNode.size() > MAX_TAKES) {
                problem(at + "/seeds", "must be an array of 1 to " + MAX_TAKES + " seeds (whole numbers ≥ 0)");
            } else {
                for (int i = 0; i < seedsNode.size(); i++) {
                    Long one = setting(RequestSchema.SEED, seedsNode.get(i), at + "/seeds/" + i);
                    seeds.add(one == null ? 0L : one);
                }
                if (s.takes() != null && n.has("takes") && s.takes() != seeds.size()) {
                    problem(at + "/takes", "is " + s.takes() + " but \"seeds\" lists " + seeds.size()
                            + "; give one seed per take or leave \"takes\" out");
                }
            }
        }
        Map<Setting<?>, Object> request = new LinkedHashMap<>(s.request());
        if (request.containsKey(RequestSchema.FRAMES) && s.seconds() != null) {
            problem(at, "gives both \"frames\" and \"seconds\"; keep one");
        }
        Integer fps = (Integer) request.get(RequestSchema.FPS);
        if (s.seconds() != null && fps == null) {
            problem(at + "/seconds", "needs \"fps\" (on the shot or in \"defaults\") to become a frame count");
        }
        String continueFrom = text(n, at, "continue_from", false, 64);
        if (request.containsKey(RequestSchema.IMAGE) && continueFrom != null) {
            problem(at, "gives both \"image\" and \"continue_from\"; a shot starts from one first frame, keep one");
        }
        if (request.containsKey(RequestSchema.LAST_IMAGE) && !request.containsKey(RequestSchema.IMAGE)
                && continueFrom == null) {
            problem(at + "/last_image", "needs a first frame too: give \"image\" or \"continue_from\"");
        }
        Map<String, String> videosFrom = new java.util.TreeMap<>();
        for (Map.Entry<String, String> f : Shot.VIDEOS_FROM.entrySet()) {
            String from = text(n, at, f.getKey(), false, 64);
            if (from != null && request.containsKey(RequestSchema.named(f.getValue()))) {
                problem(at, "gives both \"" + f.getValue() + "\" and \"" + f.getKey() + "\"; a shot has one "
                        + f.getValue().replace('_', ' ') + ", keep one");
            } else if (from != null) {
                videosFrom.put(f.getValue(), from);
            }
        }
        Integer pick = intField(n, at, "pick", 1, MAX_TAKES);
        if (problems.size() > before || name == null || prompt == null) {
            return null;
        }
        if (seeds.isEmpty()) {
            int takes = s.takes() == null ? 1 : s.takes();
            for (int t = 1; t <= takes; t++) {
                seeds.add(TakeSeeds.derive(projectSeed, name, t));
            }
        }
        if (s.seconds() != null) {
            request.put(RequestSchema.FRAMES, (int) Math.max(1, Math.round(s.seconds() * fps)));
        }
        request.put(RequestSchema.PROMPT, prompt);
        if (pick != null && pick > seeds.size()) {
            problem(at + "/pick", "is take " + pick + " but the shot has " + seeds.size() + " take"
                    + (seeds.size() == 1 ? "" : "s") + "; pick one of them");
            return null;
        }
        return new Shot(index, name, s.model(), GenerationRequest.of(request), seeds, continueFrom,
                pick == null ? 1 : pick, videosFrom);
    }

    /**
     * Every {@code continue_from}, {@code source_video_from} and {@code control_video_from} names another shot of
     * the list, and the shots can be rendered in an order where each shot comes after the shots it needs (no
     * cycles; a shot may need a later one).
     */
    private void continuations(List<Shot> shots) {
        Map<String, Shot> byName = new java.util.HashMap<>();
        shots.forEach(s -> byName.put(s.name(), s));
        boolean known = true;
        for (Shot s : shots) {
            Map<String, String> refs = new java.util.TreeMap<>();
            if (s.continueFrom() != null) {
                refs.put("continue_from", s.continueFrom());
            }
            s.videosFrom().forEach((setting, from) -> refs.put(setting + "_from", from));
            for (Map.Entry<String, String> ref : refs.entrySet()) {
                String from = ref.getValue();
                String at = "/shots/" + s.index() + "/" + ref.getKey();
                if (from.equals(s.name())) {
                    problem(at, ref.getKey().equals("continue_from")
                            ? "names the shot itself; a shot continues from another shot's take"
                            : "names the shot itself; a shot's video comes from another shot's take");
                    known = false;
                } else if (!byName.containsKey(from)) {
                    String hint = byName.keySet().stream().filter(k -> distance(k, from) <= 2).sorted().findFirst()
                            .map(k -> " (did you mean \"" + k + "\"?)").orElse("");
                    problem(at, "\"" + from + "\" is not a shot of this list" + hint);
                    known = false;
                }
            }
        }
        if (!known) {
            return;
        }
        List<Shot> ordered = ShotList.dependencyOrder(shots);
        if (ordered.size() < shots.size()) {
            List<String> cycle = shots.stream().filter(s -> !ordered.contains(s)).map(Shot::name).toList();
            Shot first = shots.stream().filter(s -> !ordered.contains(s)).findFirst().orElseThrow();
            boolean continuations = shots.stream().filter(x -> !ordered.contains(x)).allMatch(x -> x.videosFrom().isEmpty());
            String field = first.continueFrom() != null ? "continue_from"
                    : first.videosFrom().keySet().iterator().next() + "_from";
            problem("/shots/" + first.index() + "/" + field, continuations ? "the shots " + String.join(", ", cycle)
                    + " continue from one another in a circle, so none of them can render first; start one of them"
                    + " from a picture or from text" : "the shots " + String.join(", ", cycle) + " need one another's"
                    + " takes in a circle (continue_from, source_video_from, control_video_from), so none of them can"
                    + " render first; give one of them its video as a file");
        }
    }

    /** Every request setting of the schema that shot lists take (all but the prompt in {@code defaults}). */
    private Settings settings(JsonNode n, String at) {
        Map<Setting<?>, Object> request = new LinkedHashMap<>();
        for (Setting<?> setting : RequestSchema.on(Surface.SHOT_LIST)) {
            Object value = setting == RequestSchema.PROMPT ? null : setting(setting, n.get(setting.name()), at + "/" + setting.name());
            if (value != null) {
                request.put(setting, value);
            }
        }
        return new Settings(request, text(n, at, "model", false, 200), number(n, at, "seconds", 0.01, 3600),
                intField(n, at, "takes", 1, MAX_TAKES));
    }

    /** A field's value read by its setting (null: absent or refused, the problem noted). */
    private <T> T setting(Setting<T> setting, JsonNode v, String where) {
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            return setting.read(JSON.treeToValue(v, Object.class), pictures::find);
        } catch (SettingException e) {
            problem(where, e.problem());
            return null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            problem(where, "cannot be read (" + e.getOriginalMessage() + ")");
            return null;
        }
    }

    private String missing(String at, String field) {
        problem(at, "\"" + field + "\" is missing");
        return null;
    }

    private String text(JsonNode n, String at, String field, boolean required, int maxLength) {
        JsonNode v = n.get(field);
        String where = at + "/" + field;
        if (v == null || v.isNull()) {
            if (required) {
                problem(at, "\"" + field + "\" is missing");
            }
            return null;
        }
        if (!v.isTextual()) {
            problem(where, "must be text in quotes, not " + kind(v));
            return null;
        }
        if (required && v.asText().isBlank()) {
            problem(where, "is empty");
            return null;
        }
        if (v.asText().length() > maxLength) {
            problem(where, "is " + v.asText().length() + " characters long; at most " + maxLength + " are allowed");
            return null;
        }
        return v.asText();
    }

    private Integer intField(JsonNode n, String at, String field, long min, long max) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : (int) integer(v, at + "/" + field, min, max, min);
    }

    private long integer(JsonNode v, String where, long min, long max, long fallback) {
        if (!v.canConvertToExactIntegral() || !v.isNumber() || !v.canConvertToLong()
                || v.asLong() < min || v.asLong() > max) {
            problem(where, "must be a whole number from " + min + " to " + max + ", not " + shown(v));
            return fallback;
        }
        return v.asLong();
    }

    private Double number(JsonNode n, String at, String field, double min, double max) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            problem(at + "/" + field, "must be a number from " + trim(min) + " to " + trim(max) + ", not " + shown(v));
            return null;
        }
        return v.asDouble();
    }

    private void unknownFields(JsonNode n, String at, List<String> known) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                String hint = known.stream().filter(k -> distance(k, f) <= 2).findFirst()
                        .map(k -> " (did you mean \"" + k + "\"?)").orElse("");
                problem(at + "/" + f.replace("~", "~0").replace("/", "~1"), "is not a shot-list field" + hint
                        + "; known fields: " + String.join(", ", known));
            }
        }
    }

    private void problem(String pointer, String message) {
        Integer line = lines.get(pointer);
        problems.add(new ShotListException.Problem(line == null ? 0 : line, display(pointer), message));
    }

    /** {@code /shots/1/steps} → {@code shots[1].steps}. */
    static String display(String pointer) {
        StringBuilder s = new StringBuilder();
        for (String part : pointer.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            String p = part.replace("~1", "/").replace("~0", "~");
            if (p.chars().allMatch(Character::isDigit)) {
                s.append('[').append(p).append(']');
            } else {
                s.append(s.length() == 0 ? "" : ".").append(p);
            }
        }
        return s.toString();
    }

    private static String kind(JsonNode v) {
        return v.isArray() ? "an array" : v.isObject() ? "an object" : v.isTextual() ? "text"
                : v.isBoolean() ? "true/false" : v.isNull() ? "null" : "a number";
    }

    private static String shown(JsonNode v) {
        String s = v.isValueNode() ? v.toString() : kind(v);
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1];
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            prev = cur;
        }
        return prev[b.length()];
    }
}
