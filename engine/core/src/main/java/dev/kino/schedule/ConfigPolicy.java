package dev.kino.schedule;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides what to do with config keys a scheduler did not read, after it has read all of its own.
 *
 * <p>Such keys are other classes' keys: leftovers in an exported {@code scheduler_config.json}, or the
 * model's original scheduler's keys when the user picks another one by name (diffusers' {@code from_config}
 * drops them silently). Kino sorts them into three kinds:
 * <ul>
 *   <li><b>another sampler's knobs</b> ({@code solver_order}, {@code skip_prk_steps}, {@code clip_sample},
 *       sigma re-spacing, ...): they describe a sampling algorithm, not the model, so they are ignored;</li>
 *   <li><b>facts about the model</b> ({@code use_flow_sigmas}, {@code thresholding}, a learned
 *       {@code variance_type}, {@code shift}, ...): ignored at their neutral value, an error otherwise, because
 *       dropping them would sample the model wrongly;</li>
 *   <li><b>keys Kino does not know</b>: ignored when empty, null or false, an error otherwise, since Kino
 *       cannot tell whether they matter.</li>
 * </ul>
 */
final class ConfigPolicy {
    /** Sampler knobs (and bookkeeping) of diffusers' scheduler classes: never a property of the model. */
    private static final Set<String> SAMPLER_KNOBS = Set.of(
            "skip_prk_steps", "set_alpha_to_one", "clip_sample", "clip_sample_range", "solver_order",
            "algorithm_type", "solver_type", "lower_order_final", "euler_at_final", "predict_x0",
            "disable_corrector", "solver_p", "interpolation_type", "use_lu_lambdas", "lambda_min_clipped",
            "final_sigmas_type", "dynamic_thresholding_ratio", "sample_max_value", "sigma_min", "sigma_max",
            "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "stochastic_sampling",
            "steps_offset", "timestep_spacing", "base_shift", "max_shift", "base_image_seq_len",
            "max_image_seq_len", "time_shift_type", "s_noise", "s_churn", "s_tmin", "s_tmax", "rho",
            "sigma_data", "sigma_schedule", "timestep_values", "eta");

    /** Keys that describe the model's noise process or output: the value at which dropping them is harmless. */
    private static final Map<String, Predicate<Object>> MODEL_FACTS = Map.ofEntries(
            Map.entry("thresholding", Boolean.FALSE::equals),
            Map.entry("variance_type", v -> !"learned".equals(v) && !"learned_range".equals(v)),
            Map.entry("use_flow_sigmas", Boolean.FALSE::equals),
            Map.entry("use_dynamic_shifting", Boolean.FALSE::equals),
            Map.entry("invert_sigmas", Boolean.FALSE::equals),
            Map.entry("shift_terminal", Objects::isNull),
            Map.entry("timestep_type", "discrete"::equals),
            Map.entry("rescale_betas_zero_snr", Boolean.FALSE::equals),
            Map.entry("shift", v -> v instanceof Number n && n.doubleValue() == 1.0),
            Map.entry("flow_shift", v -> v instanceof Number n && n.doubleValue() == 1.0),
            Map.entry("prediction_type", v -> false));

    /** Training-schedule keys, which only DDPM-family schedulers read; flow schedulers ignore the leftovers. */
    private static final Set<String> NOISE_SCHEDULE = Set.of(
            "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "rescale_betas_zero_snr");

    private ConfigPolicy() {
    }

    /**
     * Checks the keys {@code config} holds that the scheduler {@code className} never read.
     *
     * @param flow whether the scheduler samples flow-matching models (it then ignores noise-schedule keys and
     *             the flow facts it embodies)
     */
    static void checkUnread(SchedulerConfig config, String className, boolean flow) {
        for (String key : config.unreadKeys()) {
            Object value = config.asMap().get(key);
            if (SAMPLER_KNOBS.contains(key)) {
                continue;
            }
            if (flow && (NOISE_SCHEDULE.contains(key) || key.equals("use_flow_sigmas")
                    || (key.equals("prediction_type") && "flow_prediction".equals(value)))) {
                continue;
            }
            Predicate<Object> neutral = MODEL_FACTS.get(key);
            if (neutral != null) {
                if (!neutral.test(value)) {
                    throw new SchedulerException(factError(key, value, className));
                }
            } else if (!looksNeutral(value)) {
                throw new SchedulerException("Kino does not know the scheduler setting '" + key + "' (" + value
                        + ") of " + className + "; remove it from the scheduler config if it has no effect.");
            }
        }
    }

    private static String factError(String key, Object value, String className) {
        if (key.equals("prediction_type")) {
            return "Scheduler setting 'prediction_type' is '" + value + "', but " + className
                    + " samples flow-matching models only; pick a scheduler for this model (kino schedulers lists them).";
        }
        if (key.equals("flow_shift") || key.equals("shift")) {
            String own = key.equals("shift") ? "flow_shift" : "shift";
            return "Scheduler setting '" + key + "' (" + value + ") has no effect on " + className
                    + (className.startsWith("FlowMatch") || className.startsWith("UniPC") || className.startsWith("DPM")
                    ? "; it is called '" + own + "' there." : "; it belongs to flow-matching schedulers, remove it.");
        }
        return "Scheduler setting '" + key + "' is " + value + ", which " + className
                + " cannot honour; set it to its default or pick another scheduler (kino schedulers lists them).";
    }

    /** null, false, an empty string or an empty list: a value that asks for nothing. */
    private static boolean looksNeutral(Object value) {
        return value == null || Boolean.FALSE.equals(value)
                || (value instanceof String s && s.isEmpty())
                || (value instanceof List<?> l && l.isEmpty())
                || (value instanceof Map<?, ?> m && m.isEmpty());
    }
}
