package dev.kino.shots;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.image.Fit;
import dev.kino.schedule.Schedulers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a parsed shot list field by field, collecting every problem, and builds the {@link ShotList}. */
final class ShotListChecker {
    static final int MAX_SHOTS = 1000;
    static final int MAX_TAKES = 100;
    static final int MAX_PROMPT = 2000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final List<String> TOP = List.of("project", "seed", "defaults", "shots");

    /** A shot's settings before defaults: null where the file leaves them out. */
    private record Settings(String negative, String model, Integer frames, Double seconds, Integer width,
                            Integer height, Integer fps, Integer steps, String scheduler, Double guidance,
                            Integer takes, Fit fit) {
        static final Settings NONE = new Settings(null, null, null, null, null, null, null, null, null, null, null,
                null);

        Settings over(Settings d) {
            boolean ownLength = frames != null || seconds != null;
            return new Settings(or(negative, d.negative), or(model, d.model), ownLength ? frames : d.frames,
                    ownLength ? seconds : d.seconds, or(width, d.width), or(height, d.height), or(fps, d.fps),
                    or(steps, d.steps), or(scheduler, d.scheduler), or(guidance, d.guidance), or(takes, d.takes),
                    or(fit, d.fit));
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
        long seed = root.has("seed") ? integer(root.get("seed"), "/seed", 0, Long.MAX_VALUE, 0L) : 0L;
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
        String prompt = text(n, at, "prompt", true, MAX_PROMPT);
        Settings s = settings(n, at).over(defaults);
        List<Long> seeds = new ArrayList<>();
        JsonNode seedsNode = n.get("seeds");
        if (seedsNode != null) {
            if (!seedsNode.isArray() || seedsNode.isEmpty() || seedsNode.size() > MAX_TAKES) {
                problem(at + "/seeds", "must be an array of 1 to " + MAX_TAKES + " seeds (whole numbers ≥ 0)");
            } else {
                for (int i = 0; i < seedsNode.size(); i++) {
                    seeds.add(integer(seedsNode.get(i), at + "/seeds/" + i, 0, Long.MAX_VALUE, 0L));
                }
                if (s.takes() != null && n.has("takes") && s.takes() != seeds.size()) {
                    problem(at + "/takes", "is " + s.takes() + " but \"seeds\" lists " + seeds.size()
                            + "; give one seed per take or leave \"takes\" out");
                }
            }
        }
        if (s.frames() != null && s.seconds() != null) {
            problem(at, "gives both \"frames\" and \"seconds\"; keep one");
        }
        if (s.seconds() != null && s.fps() == null) {
            problem(at + "/seconds", "needs \"fps\" (on the shot or in \"defaults\") to become a frame count");
        }
        Path image = picture(n, at, "image");
        Path lastImage = picture(n, at, "last_image");
        String continueFrom = text(n, at, "continue_from", false, 64);
        if (image != null && continueFrom != null) {
            problem(at, "gives both \"image\" and \"continue_from\"; a shot starts from one first frame, keep one");
        }
        if (n.has("last_image") && !n.has("image") && continueFrom == null) {
            problem(at + "/last_image", "needs a first frame too: give \"image\" or \"continue_from\"");
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
        Integer frames = s.seconds() != null ? (Integer) (int) Math.max(1, Math.round(s.seconds() * s.fps())) : s.frames();
        if (pick != null && pick > seeds.size()) {
            problem(at + "/pick", "is take " + pick + " but the shot has " + seeds.size() + " take"
                    + (seeds.size() == 1 ? "" : "s") + "; pick one of them");
            return null;
        }
        return new Shot(index, name, prompt, s.negative(), s.model(), frames, s.width(), s.height(), s.fps(),
                s.steps(), s.scheduler(), s.guidance(), seeds, image, lastImage, continueFrom, s.fit(),
                pick == null ? 1 : pick);
    }

    /** A picture file named by {@code field}, relative to the list's folder; it must exist. */
    private Path picture(JsonNode n, String at, String field) {
        String value = text(n, at, field, false, 1000);
        if (value == null) {
            return null;
        }
        if (value.isBlank()) {
            problem(at + "/" + field, "is empty; name a picture file (PNG, JPEG, WebP), relative to the shot list");
            return null;
        }
        try {
            return pictures.find(value);
        } catch (IllegalArgumentException e) {
            problem(at + "/" + field, e.getMessage());
            return null;
        }
    }

    /**
     * Every {@code continue_from} names another shot of the list, and the shots can be rendered in an order where
     * each source comes before the shots continuing from it (no cycles; a shot may continue from a later one).
     */
    private void continuations(List<Shot> shots) {
        Map<String, Shot> byName = new java.util.HashMap<>();
        shots.forEach(s -> byName.put(s.name(), s));
        boolean known = true;
        for (Shot s : shots) {
            String from = s.continueFrom();
            String at = "/shots/" + s.index() + "/continue_from";
            if (from == null) {
                continue;
            }
            if (from.equals(s.name())) {
                problem(at, "names the shot itself; a shot continues from another shot's take");
                known = false;
            } else if (!byName.containsKey(from)) {
                String hint = byName.keySet().stream().filter(k -> distance(k, from) <= 2).sorted().findFirst()
                        .map(k -> " (did you mean \"" + k + "\"?)").orElse("");
                problem(at, "\"" + from + "\" is not a shot of this list" + hint);
                known = false;
            }
        }
        if (!known) {
            return;
        }
        List<Shot> ordered = ShotList.dependencyOrder(shots);
        if (ordered.size() < shots.size()) {
            List<String> cycle = shots.stream().filter(s -> !ordered.contains(s)).map(Shot::name).toList();
            Shot first = shots.stream().filter(s -> !ordered.contains(s)).findFirst().orElseThrow();
            problem("/shots/" + first.index() + "/continue_from", "the shots " + String.join(", ", cycle)
                    + " continue from one another in a circle, so none of them can render first; start one of them"
                    + " from a picture or from text");
        }
    }

    private Fit fit(JsonNode n, String at) {
        String value = text(n, at, "fit", false, 16);
        if (value == null) {
            return null;
        }
        try {
            return Fit.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problem(at + "/fit", "\"" + value + "\" is not a fit; use crop, pad or stretch");
            return null;
        }
    }

    private Settings settings(JsonNode n, String at) {
        String scheduler = text(n, at, "scheduler", false, 64);
        if (scheduler != null && Schedulers.catalog().stream().noneMatch(i -> i.name().equals(scheduler))) {
            problem(at + "/scheduler", "\"" + scheduler + "\" is not a Kino scheduler; use one of "
                    + String.join(", ", Schedulers.catalog().stream().map(Schedulers.Info::name).toList()));
        }
        return new Settings(text(n, at, "negative", false, MAX_PROMPT), text(n, at, "model", false, 200),
                intField(n, at, "frames", 1, 10_000), number(n, at, "seconds", 0.01, 3600),
                intField(n, at, "width", 1, 8192), intField(n, at, "height", 1, 8192), intField(n, at, "fps", 1, 240),
                intField(n, at, "steps", 1, 1000), scheduler, number(n, at, "guidance", 0, 100),
                intField(n, at, "takes", 1, MAX_TAKES), fit(n, at));
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
