package dev.kino.pipeline;

import dev.kino.Fixtures;
import dev.kino.KinoException;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Planning: what the plan holds, and every request the model cannot make refused in one sentence. */
class PlannerTest {
    private static TextToVideoPipeline unet;

    @BeforeAll
    static void load() {
        unet = TextToVideoPipeline.load(Fixtures.dir(Fixtures.UNET), Device.CPU);
    }

    @AfterAll
    static void close() {
        unet.close();
    }

    private static String refused(GenerationRequest.Builder r) {
        KinoException e = assertThrows(KinoException.class, () -> unet.plan(r.build()));
        String m = e.getMessage();
        assertTrue(m.endsWith(".") && m.indexOf(". ") < 0, "one sentence: " + m);
        return m;
    }

    private static GenerationRequest.Builder request() {
        return GenerationRequest.builder("a red circle");
    }

    @Test
    void thePlanHoldsTheResolvedRun() {
        GenerationPlan plan = unet.plan(request().steps(4).build());
        assertEquals(4, plan.steps());
        assertEquals("ddim", plan.settings().scheduler());
        assertArrayEquals(new double[] {751, 501, 251, 1}, plan.timesteps(), "DDIM leading spacing, steps_offset 1");
        assertNull(plan.sigmas());
        assertArrayEquals(new long[] {1, 4, 4, 4, 4}, plan.latentShape());
        assertArrayEquals(new double[] {5.0}, plan.guidance());
        assertEquals("fixture-unet3d-ddim", plan.modelName());
        assertEquals(4 * 4 * 4, plan.sequenceLength(), "latent frames x height x width, patch 1x1x1");
        assertTrue(!plan.equals(unet.plan(request().steps(3).build())), "another plan is not equal");
        assertEquals(plan.fingerprint(), unet.plan(request().steps(4).build()).fingerprint(), "stable");
        assertTrue(!plan.fingerprint().equals(unet.plan(request().steps(4).seed(1L).build()).fingerprint()));
    }

    @Test
    void moreStepsThanTheSchedulerCanPlanNameItsLimit() {
        assertTrue(refused(request().steps(1000)).contains("at most 999 steps for this model (num_train_timesteps 1000)"));
        assertTrue(refused(request().steps(5000)).contains("at most 1000"));
        assertEquals(999, unet.plan(request().steps(999).build()).steps());
        assertTrue(refused(request().steps(0)).contains("at least 1"));
    }

    @Test
    void hugeSizesAreRefusedWithTheLargestThatFitsNeverAnOverflow() {
        String m = refused(request().width(100000).height(100000));
        assertTrue(m.contains("100000x100000") && m.contains("largest size that fits"), m);
        String frames = refused(request().frames(2_000_000_000));
        assertTrue(frames.contains("fewer frames"), frames);
        String odd = refused(request().width(Integer.MAX_VALUE));
        assertTrue(odd.contains("multiple of 8"), odd);
    }

    @Test
    void theLargestSizeOfferedFits() {
        String m = refused(request().width(100000).height(50000));
        String size = m.replaceAll(".*fits with 4 frames is (\\d+x\\d+).*", "$1");
        String[] wh = size.split("x");
        GenerationPlan plan = unet.plan(request().width(Integer.parseInt(wh[0])).height(Integer.parseInt(wh[1])).build());
        assertEquals(2.0, plan.settings().width() / (double) plan.settings().height(), 0.01, "aspect ratio kept");
    }

    @Test
    void absurdGuidanceIsRefusedUpFront() {
        assertTrue(refused(request().guidance(1e9)).contains("from 0 to 100"));
        assertTrue(refused(request().guidance(Double.NaN)).contains("NaN"));
        assertTrue(refused(request().guidance(-1.0)).contains("-1.0"));
    }

    @Test
    void aBadSchedulerNameIsAKinoErrorListingTheChoices() {
        assertTrue(refused(request().scheduler("nope")).contains("choose one of: ddim"));
        assertTrue(refused(request().scheduler("flow-euler")).contains("flow-matching"));
    }
}
