package dev.kino.request;

/**
 * A value a setting does not take. {@link #problem()} is the part every surface says the same way
 * ({@code must be a whole number from 1 to 1000, not 0}); each surface puts its own name for the place in front.
 */
public final class SettingException extends IllegalArgumentException {
    private final transient Setting<?> setting;
    private final String problem;

    SettingException(Setting<?> setting, String problem) {
        super(setting.name() + " " + problem);
        this.setting = setting;
        this.problem = problem;
    }

    /** The setting that refused the value. */
    public Setting<?> setting() {
        return setting;
    }

    /** The problem as a sentence naming the setting: {@code steps must be a whole number from 1 to 1000, not 0.} */
    public String sentence() {
        return setting.name() + " " + problem + ".";
    }

    /** What is wrong, without the setting's name: {@code must be a number from 0 to 100, not 101}. */
    public String problem() {
        return problem;
    }
}
