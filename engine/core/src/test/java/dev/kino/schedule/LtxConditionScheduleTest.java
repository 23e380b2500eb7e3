package dev.kino.schedule;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LTXConditionPipeline's planning and step (distilled LTX-Video) against values printed by the pinned diffusers:
 * {@code FlowMatchEulerDiscreteScheduler(**config).set_timesteps(timesteps=...)} for its linear-quadratic
 * schedule ({@code linear_quadratic_schedule(n) * 1000}) and diffusers' distilled list, on the 0.9.5+ config
 * and on one with a static shift and {@code shift_terminal} (the float32 numpy path), and five
 * {@code step(-v, t, x, per_token_timesteps=t)} calls. Timesteps and sigmas must be equal as float32.
 */
class LtxConditionScheduleTest {
    private static final Map<String, Map<String, Object>> CONFIGS = Map.of(
            "plain", Map.of("_class_name", "FlowMatchEulerDiscreteScheduler", "use_dynamic_shifting", false),
            "shift3_terminal", Map.of("_class_name", "FlowMatchEulerDiscreteScheduler", "use_dynamic_shifting",
                    false, "shift", 3.0, "shift_terminal", 0.1));
    private static final double[] DISTILLED = {1000, 993, 987, 981, 975, 909, 725, 0.03};

    /** name: {timesteps, sigmas} as diffusers planned them. */
    private static final Map<String, double[][]> DIFFUSERS = Map.ofEntries(
            Map.entry("plain/lq1", new double[][] {{1000.0}, {1.0, 0.0}}),
            Map.entry("plain/lq2", new double[][] {{1000.0, 975.0}, {1.0, 0.9750000238418579, 0.0}}),
            Map.entry("plain/lq5", new double[][] {{1000.0, 987.5, 975.0, 858.3333740234375, 533.3333740234375}, {1.0, 0.987500011920929, 0.9750000238418579, 0.8583333492279053, 0.5333333611488342, 0.0}}),
            Map.entry("plain/lq8", new double[][] {{1000.0, 993.75, 987.5, 981.25, 975.0, 909.375, 725.0, 421.875}, {1.0, 0.9937499761581421, 0.987500011920929, 0.981249988079071, 0.9750000238418579, 0.909375011920929, 0.7250000238418579, 0.421875, 0.0}}),
            Map.entry("plain/lq30", new double[][] {{1000.0, 998.3333129882812, 996.6666870117188, 995.0, 993.3333129882812, 991.6666870117188, 990.0, 988.3333740234375, 986.6666870117188, 985.0, 983.3333740234375, 981.6666870117188, 980.0, 978.3333740234375, 976.6666870117188, 975.0, 969.111083984375, 954.7777709960938, 932.0, 900.7777709960938, 861.111083984375, 813.0, 756.4444580078125, 691.4444580078125, 618.0, 536.1111450195312, 445.77777099609375, 347.0, 239.77777099609375, 124.1111068725586}, {1.0, 0.9983333349227905, 0.996666669845581, 0.9950000047683716, 0.9933333396911621, 0.9916666746139526, 0.9900000095367432, 0.9883333444595337, 0.9866666793823242, 0.9850000143051147, 0.9833333492279053, 0.9816666841506958, 0.9800000190734863, 0.9783333539962769, 0.9766666889190674, 0.9750000238418579, 0.9691110849380493, 0.9547777771949768, 0.9319999814033508, 0.9007777571678162, 0.8611111044883728, 0.8130000233650208, 0.7564444541931152, 0.691444456577301, 0.6179999709129333, 0.5361111164093018, 0.4457777738571167, 0.34700000286102295, 0.23977777361869812, 0.124111108481884, 0.0}}),
            Map.entry("plain/distilled", new double[][] {{1000.0, 993.0, 987.0, 981.0, 975.0, 909.0, 725.0, 0.029999999329447746}, {1.0, 0.9929999709129333, 0.9869999885559082, 0.9810000061988831, 0.9750000238418579, 0.9089999794960022, 0.7250000238418579, 2.9999999242136255e-05, 0.0}}),
            Map.entry("shift3_terminal/lq5", new double[][] {{1000.0, 983.253662109375, 966.2229614257812, 792.1560668945312, 99.99996185302734}, {1.0, 0.9832536578178406, 0.9662229418754578, 0.7921560406684875, 0.09999996423721313, 0.0}}),
            Map.entry("shift3_terminal/distilled", new double[][] {{1000.0, 997.889892578125, 996.0655517578125, 994.2263793945312, 992.3721923828125, 970.9342651367188, 898.9705200195312, 100.0000228881836}, {1.0, 0.9978898763656616, 0.9960655570030212, 0.9942263960838318, 0.9923722147941589, 0.970934271812439, 0.8989705443382263, 0.10000002384185791, 0.0}})
    );

    private static final float[] V = {-0.8646355867385864f, 0.2989608347415924f, 0.41921865940093994f, -0.0798543244600296f, 0.9264108538627625f, 0.8156775236129761f, 0.49518901109695435f, -0.16431698203086853f, -0.6779621839523315f, -1.0591074228286743f, 0.7476966381072998f, 0.23891741037368774f};
    private static final float[] X0 = {0.8032760620117188f, 0.17483338713645935f, 0.08897809684276581f, -0.6137180328369141f, 0.04618244990706444f, -1.3682591915130615f, 0.3374950885772705f, 1.0111159086227417f, -1.435179352760315f, 0.9774317741394043f, 0.5220499634742737f, 1.2379167079925537f};
    private static final float[][] AFTER = {{0.814083993434906f, 0.17109638452529907f, 0.08373786509037018f, -0.6127198338508606f, 0.0346023254096508f, -1.3784551620483398f, 0.33130523562431335f, 1.0131698846817017f, -1.4267048835754395f, 0.9906706213951111f, 0.5127037763595581f, 1.2349302768707275f}, {0.8248919248580933f, 0.1673593819141388f, 0.07849763333797455f, -0.6117216348648071f, 0.023022200912237167f, -1.3886511325836182f, 0.3251153826713562f, 1.0152238607406616f, -1.418230414390564f, 1.0039094686508179f, 0.5033575892448425f, 1.2319438457489014f}, {0.925766110420227f, 0.13248062133789062f, 0.029588785022497177f, -0.602405309677124f, -0.08505907654762268f, -1.4838135242462158f, 0.26734334230422974f, 1.0343941450119019f, -1.3391348123550415f, 1.1274720430374146f, 0.4161263108253479f, 1.2040700912475586f}, {1.2067726850509644f, 0.03531835228204727f, -0.10665726661682129f, -0.5764526724815369f, -0.3861425817012787f, -1.7489087581634521f, 0.10640691220760345f, 1.0877971649169922f, -1.1187970638275146f, 1.4716819524765015f, 0.17312490940093994f, 1.1264219284057617f}, {1.6679116487503052f, -0.12412744015455246f, -0.33024054765701294f, -0.5338637232780457f, -0.8802284002304077f, -2.183936834335327f, -0.15769390761852264f, 1.1754329204559326f, -0.7572172284126282f, 2.036539316177368f, -0.22564664483070374f, 0.998999297618866f}};

    private static Scheduler scheduler(String config) {
        return Schedulers.fromConfig(new LinkedHashMap<>(CONFIGS.get(config)));
    }

    @Test
    void plansTheLinearQuadraticScheduleAndTheDistilledListAsDiffusers() {
        for (Map.Entry<String, double[][]> e : DIFFUSERS.entrySet()) {
            String[] key = e.getKey().split("/");
            Scheduler s = scheduler(key[0]);
            double[] list = key[1].equals("distilled") ? DISTILLED
                    : LinearQuadraticSchedule.timesteps(Integer.parseInt(key[1].substring(2)));
            s.setCustomTimesteps(list, true);
            double[] want = e.getValue()[0];
            assertEquals(want.length, s.steps(), e.getKey());
            for (int i = 0; i < want.length; i++) {
                assertEquals((float) want[i], (float) s.timestep(i), 0f, e.getKey() + " timestep " + i);
            }
            float[] sigmas = s.sigmas();
            for (int i = 0; i < sigmas.length; i++) {
                assertEquals((float) e.getValue()[1][i], sigmas[i], 0f, e.getKey() + " sigma " + i);
            }
        }
    }

    @Test
    void stepsWithTheSigmaOfTheTimestepAsPerTokenTimestepsDo() {
        Scheduler s = scheduler("plain");
        s.setCustomTimesteps(LinearQuadraticSchedule.timesteps(5), true);
        float[] x = X0.clone();
        for (int i = 0; i < AFTER.length; i++) {
            s.step(V, i, x, null);
            assertArrayEquals(AFTER[i], x, 0f, "after step " + i);
        }
    }

    @Test
    void refusesWhatDiffusersCannotPlan() {
        Map<String, Object> dynamic = new LinkedHashMap<>(CONFIGS.get("plain"));
        dynamic.put("use_dynamic_shifting", true);
        dynamic.put("base_shift", 0.95);
        dynamic.put("max_shift", 2.05);
        SchedulerException mu = assertThrows(SchedulerException.class,
                () -> Schedulers.fromConfig(dynamic).setCustomTimesteps(DISTILLED, true));
        assertTrue(mu.getMessage().contains("use_dynamic_shifting"), mu.getMessage());
        SchedulerException range = assertThrows(SchedulerException.class,
                () -> scheduler("plain").setCustomTimesteps(new double[] {1200, 500}, true));
        assertTrue(range.getMessage().contains("outside 0..1000"), range.getMessage());
        Map<String, Object> ddim = Map.of("_class_name", "DDIMScheduler");
        SchedulerException other = assertThrows(SchedulerException.class,
                () -> Schedulers.fromConfig(ddim).setCustomTimesteps(DISTILLED, true));
        assertTrue(other.getMessage().contains("does not take a timestep list"), other.getMessage());
    }
}
