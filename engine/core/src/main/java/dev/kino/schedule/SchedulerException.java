package dev.kino.schedule;

import dev.kino.KinoException;

/**
 * A scheduler config, name or step count that Kino cannot sample with: an unknown scheduler name, a setting
 * of the model's {@code scheduler_config.json} it cannot honour, or more steps than the config can plan.
 * The message is one sentence naming the setting and the fix.
 */
public class SchedulerException extends KinoException {
    private static final long serialVersionUID = 1L;

    /** @param message one sentence naming the setting and the fix */
    public SchedulerException(String message) {
        super(message);
    }
}
