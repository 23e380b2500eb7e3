package dev.kino.schedule;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds schedulers: from a model's diffusers {@code scheduler_config.json} (by {@code _class_name}), or
 * by a Kino name given on the command line, carrying the model's config over.
 *
 * <p>Picking a scheduler by name follows diffusers' {@code from_config}: every key of the model's config
 * that the named scheduler's class also has carries over (betas, {@code num_train_timesteps},
 * {@code prediction_type}, {@code timestep_spacing}, {@code steps_offset}, ...), keys it lacks take
 * diffusers' class defaults, and the name fixes the algorithm (e.g. {@code dpmpp-2m-karras} sets
 * {@code algorithm_type}, {@code solver_order} and {@code use_karras_sigmas}). Kino adds two things:
 * a flow-matching model only accepts flow schedulers and vice versa, and the flow shift carries over
 * between the {@code shift} key of flow-match Euler and the {@code flow_shift} key of UniPC / DPM-Solver.
 */
public final class Schedulers {

    /** One line of {@code kino schedulers}: a Kino name, what it is, and which models it samples. */
    public record Info(String name, String description, boolean forFlowModels) {
    }

    private record Entry(Info info, String className, Map<String, Object> preset) {
    }

    private static final Map<String, Object> NO_RESPACING = Map.of(
            "use_karras_sigmas", false, "use_exponential_sigmas", false, "use_beta_sigmas", false);

    private static final List<Entry> ENTRIES = List.of(
            entry("ddim", "DDIM, deterministic (eta 0): the classic Stable Diffusion / ModelScope sampler",
                    false, DdimScheduler.CLASS_NAME, Map.of()),
            entry("euler", "Euler: one first-order ODE step per denoiser call on the model's sigmas",
                    false, EulerScheduler.CLASS_NAME, NO_RESPACING),
            entry("euler-karras", "Euler on Karras sigmas (smaller steps near the end)",
                    false, EulerScheduler.CLASS_NAME, with(NO_RESPACING, "use_karras_sigmas", true)),
            entry("euler-a", "Euler Ancestral: adds fresh seeded noise every step (varied detail, not convergent)",
                    false, EulerAncestralScheduler.CLASS_NAME, Map.of()),
            entry("dpmpp-2m", "DPM-Solver++ 2M: second-order multistep, good results in 20-30 steps",
                    false, DpmSolverScheduler.CLASS_NAME, dpm(false, false)),
            entry("dpmpp-2m-karras", "DPM-Solver++ 2M on Karras sigmas",
                    false, DpmSolverScheduler.CLASS_NAME, dpm(false, true)),
            entry("unipc", "UniPC (bh2, order 2): predictor-corrector, good results in 10-20 steps",
                    false, UniPcScheduler.CLASS_NAME, unipc(false)),
            entry("flow-euler", "Flow-matching Euler (Wan, LTX-Video): one velocity step per denoiser call",
                    true, FlowMatchEulerScheduler.CLASS_NAME, with(NO_RESPACING, "stochastic_sampling", false)),
            entry("flow-unipc", "UniPC on flow-matching sigmas: Wan 2.1's default sampler",
                    true, UniPcScheduler.CLASS_NAME, unipc(true)),
            entry("flow-dpmpp-2m", "DPM-Solver++ 2M on flow-matching sigmas (Wan's dpm++ option)",
                    true, DpmSolverScheduler.CLASS_NAME, dpm(true, false)));

    private Schedulers() {
    }

    private static Entry entry(String name, String description, boolean flow, String className, Map<String, Object> preset) {
        return new Entry(new Info(name, description, flow), className, preset);
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(base);
        m.put(key, value);
        return Map.copyOf(m);
    }

    private static Map<String, Object> dpm(boolean flow, boolean karras) {
        Map<String, Object> m = new LinkedHashMap<>(NO_RESPACING);
        m.put("use_karras_sigmas", karras);
        m.put("algorithm_type", "dpmsolver++");
        m.put("solver_order", 2);
        m.put("solver_type", "midpoint");
        m.put("use_lu_lambdas", false);
        m.put("use_flow_sigmas", flow);
        if (flow) {
            m.put("prediction_type", "flow_prediction");
        }
        return Map.copyOf(m);
    }

    private static Map<String, Object> unipc(boolean flow) {
        Map<String, Object> m = new LinkedHashMap<>(NO_RESPACING);
        m.put("solver_order", 2);
        m.put("solver_type", "bh2");
        m.put("predict_x0", true);
        m.put("use_flow_sigmas", flow);
        if (flow) {
            m.put("prediction_type", "flow_prediction");
        }
        return Map.copyOf(m);
    }

    /** Every scheduler Kino can run by name, in display order. */
    public static List<Info> catalog() {
        return ENTRIES.stream().map(Entry::info).toList();
    }

    /**
     * The model's own scheduler, from its diffusers config ({@code _class_name} picks the class).
     *
     * @throws SchedulerException with a user-facing sentence when the class or a setting is unsupported
     */
    public static Scheduler fromConfig(Map<String, ?> config) {
        SchedulerConfig c = new SchedulerConfig(config);
        String className = c.className();
        if (className == null) {
            throw new SchedulerException("The scheduler config has no '_class_name'; name the diffusers class, "
                    + "e.g. \"_class_name\": \"UniPCMultistepScheduler\".");
        }
        return build(nameFor(className, c), className, c);
    }

    /**
     * A scheduler under its Kino name from a complete config, as {@link Scheduler#config()} of an earlier
     * build returned it (a saved plan rebuilds its scheduler this way).
     *
     * @throws SchedulerException when the config names no class Kino has or a setting it cannot honour
     */
    public static Scheduler fromConfig(String name, Map<String, ?> config) {
        SchedulerConfig c = new SchedulerConfig(config);
        String className = c.className();
        if (className == null) {
            throw new SchedulerException("The scheduler config has no '_class_name'; name the diffusers class, "
                    + "e.g. \"_class_name\": \"UniPCMultistepScheduler\".");
        }
        return build(name, className, c);
    }

    /**
     * The scheduler the user named, built from the model's scheduler config (see the class comment).
     *
     * @throws SchedulerException for an unknown name (the message lists the valid ones) or a name that
     *                                  does not fit the model (e.g. {@code euler} for a flow-matching model)
     */
    public static Scheduler byName(String name, Map<String, ?> modelConfig) {
        Entry entry = ENTRIES.stream().filter(e -> e.info().name().equals(name)).findFirst()
                .orElseThrow(() -> new SchedulerException("Unknown scheduler '" + name + "'; choose one of: "
                        + ENTRIES.stream().map(e -> e.info().name()).collect(Collectors.joining(", ")) + "."));
        boolean modelIsFlow = isFlowModel(modelConfig);
        if (entry.info().forFlowModels() != modelIsFlow) {
            throw new SchedulerException("Scheduler '" + name + "' is for " + family(!modelIsFlow)
                    + " models but this model is " + family(modelIsFlow) + "; choose one of: "
                    + ENTRIES.stream().filter(e -> e.info().forFlowModels() == modelIsFlow)
                    .map(e -> e.info().name()).collect(Collectors.joining(", ")) + ".");
        }
        Map<String, Object> merged = new LinkedHashMap<>(modelConfig);
        carryFlowShift(merged, entry.className());
        merged.putAll(entry.preset());
        merged.put("_class_name", entry.className());
        return build(name, entry.className(), new SchedulerConfig(merged));
    }

    /**
     * Checks the scheduler against the manifest's {@code denoiser.prediction_type} ({@code epsilon},
     * {@code v_prediction} or {@code flow}).
     *
     * @throws SchedulerException naming both values when they disagree
     */
    public static void checkPrediction(Scheduler scheduler, String manifestPredictionType) {
        PredictionType manifest = PredictionType.fromManifest(manifestPredictionType);
        if (manifest != scheduler.predictionType()) {
            throw new SchedulerException("Scheduler '" + scheduler.name() + "' expects the denoiser to predict '"
                    + scheduler.predictionType().manifestName() + "' but the manifest's denoiser.prediction_type is '"
                    + manifestPredictionType + "'; make the scheduler config's prediction_type agree with the manifest.");
        }
    }

    /** Whether a diffusers scheduler config describes a flow-matching model. */
    static boolean isFlowModel(Map<String, ?> config) {
        Object cls = config.get("_class_name");
        return (cls != null && cls.toString().startsWith("FlowMatch"))
                || "flow_prediction".equals(config.get("prediction_type"))
                || Boolean.TRUE.equals(config.get("use_flow_sigmas"));
    }

    private static String family(boolean flow) {
        return flow ? "flow-matching" : "noise-prediction (epsilon / v)";
    }

    /** Flow-match Euler calls the flow shift {@code shift}; UniPC and DPM-Solver call it {@code flow_shift}. */
    private static void carryFlowShift(Map<String, Object> config, String targetClass) {
        boolean targetUsesShift = targetClass.equals(FlowMatchEulerScheduler.CLASS_NAME);
        String own = targetUsesShift ? "shift" : "flow_shift";
        String other = targetUsesShift ? "flow_shift" : "shift";
        Object value = config.remove(other);
        if (value != null && !config.containsKey(own)) {
            config.put(own, value);
        }
    }

    private static Scheduler build(String name, String className, SchedulerConfig config) {
        BaseScheduler s = switch (className) {
            case DdimScheduler.CLASS_NAME -> new DdimScheduler(name, config);
            case EulerScheduler.CLASS_NAME -> new EulerScheduler(name, config);
            case EulerAncestralScheduler.CLASS_NAME -> new EulerAncestralScheduler(name, config);
            case DpmSolverScheduler.CLASS_NAME -> new DpmSolverScheduler(name, config);
            case UniPcScheduler.CLASS_NAME -> new UniPcScheduler(name, config);
            case FlowMatchEulerScheduler.CLASS_NAME -> new FlowMatchEulerScheduler(name, config);
            default -> throw new SchedulerException("Kino has no " + className + "; run with --scheduler and one of: "
                    + ENTRIES.stream().map(e -> e.info().name()).collect(Collectors.joining(", ")) + ".");
        };
        ConfigPolicy.checkUnread(config, className, s.predictionType() == PredictionType.FLOW);
        return s;
    }

    /** The Kino name that best describes a model's own scheduler config. */
    private static String nameFor(String className, SchedulerConfig c) {
        Map<String, Object> m = c.asMap();
        boolean karras = Boolean.TRUE.equals(m.get("use_karras_sigmas"));
        boolean flow = isFlowModel(m);
        return switch (className) {
            case DdimScheduler.CLASS_NAME -> "ddim";
            case EulerScheduler.CLASS_NAME -> karras ? "euler-karras" : "euler";
            case EulerAncestralScheduler.CLASS_NAME -> "euler-a";
            case DpmSolverScheduler.CLASS_NAME -> flow ? "flow-dpmpp-2m" : karras ? "dpmpp-2m-karras" : "dpmpp-2m";
            case UniPcScheduler.CLASS_NAME -> flow ? "flow-unipc" : "unipc";
            case FlowMatchEulerScheduler.CLASS_NAME -> "flow-euler";
            default -> className;
        };
    }
}
