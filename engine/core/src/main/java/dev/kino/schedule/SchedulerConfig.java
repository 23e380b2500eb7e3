package dev.kino.schedule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A scheduler's settings under diffusers' own {@code scheduler_config.json} keys ({@code beta_schedule},
 * {@code timestep_spacing}, {@code shift}, ...), so an exported model carries its config over unchanged.
 *
 * <p>Values are what a JSON parser gives: numbers, strings, booleans, lists, null. Every read is recorded,
 * so a scheduler can afterwards ask which given keys it never read ({@link #unreadKeys()}) and refuse those
 * that would change its behaviour instead of silently ignoring them.
 */
public final class SchedulerConfig {

    /** Keys diffusers writes into every config that carry no behaviour. */
    private static final Set<String> BOOKKEEPING = Set.of("_class_name", "_diffusers_version", "_use_default_values");

    private final Map<String, Object> values;
    private final Set<String> read = ConcurrentHashMap.newKeySet();

    /** @param values the config's keys and JSON values (copied) */
    public SchedulerConfig(Map<String, ?> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * {@code num_train_timesteps}: how many noise levels the model was trained on (diffusers' default 1000);
     * a mixture of experts switches at fractions of it.
     */
    public int trainTimesteps() {
        return getInt("num_train_timesteps", 1000);
    }

    /** The diffusers class this config names ({@code _class_name}), or null. */
    public String className() {
        Object v = values.get("_class_name");
        return v == null ? null : v.toString();
    }

    /** The config as an unmodifiable map (reads through it are not recorded). */
    public Map<String, Object> asMap() {
        return values;
    }

    /** A number ({@code inf} spelled as a string allowed), or {@code fallback} when absent or null. */
    public double getDouble(String key, double fallback) {
        Object v = get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            switch (s) {
                case "inf", "Infinity" -> { return Double.POSITIVE_INFINITY; }
                case "-inf", "-Infinity" -> { return Double.NEGATIVE_INFINITY; }
                default -> { }
            }
        }
        throw wrongType(key, v, "a number");
    }

    /** A number that may be null in the config (diffusers' {@code Optional[float]}). */
    public Double getNullableDouble(String key) {
        return get(key) == null ? null : getDouble(key, 0);
    }

    /** A whole number, or {@code fallback} when absent or null. */
    public int getInt(String key, int fallback) {
        Object v = get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.intValue();
        }
        throw wrongType(key, v, "an integer");
    }

    /** A boolean, or {@code fallback} when absent or null. */
    public boolean getBoolean(String key, boolean fallback) {
        Object v = get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, v, "true or false");
    }

    /** A string, or {@code fallback} when absent or null. */
    public String getString(String key, String fallback) {
        Object v = get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof String s) {
            return s;
        }
        throw wrongType(key, v, "a string");
    }

    /** A list of numbers (e.g. {@code trained_betas}), or null when absent. */
    public double[] getDoubleArray(String key) {
        Object v = get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> list) {
            double[] out = new double[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Number n)) {
                    throw wrongType(key, v, "a list of numbers");
                }
                out[i] = n.doubleValue();
            }
            return out;
        }
        throw wrongType(key, v, "a list of numbers");
    }

    /** The raw value of a key (null when absent), counted as read: for keys whose only valid value is null. */
    public Object getRaw(String key) {
        return get(key);
    }

    /** Keys present in the config (non-null) that no getter has read, bookkeeping keys excluded. */
    public List<String> unreadKeys() {
        List<String> unread = new ArrayList<>();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (e.getValue() != null && !read.contains(e.getKey()) && !BOOKKEEPING.contains(e.getKey())) {
                unread.add(e.getKey());
            }
        }
        return unread;
    }

    private Object get(String key) {
        read.add(key);
        return values.get(key);
    }

    private static SchedulerException wrongType(String key, Object v, String expected) {
        return new SchedulerException(
                "Scheduler setting '" + key + "' is " + v + " but must be " + expected + ".");
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
