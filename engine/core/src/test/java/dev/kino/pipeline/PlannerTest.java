package dev.kino.pipeline;

import dev.kino.Fixtures;
import dev.kino.KinoException;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

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
        assertEquals("steps must be a whole number from 1 to 1000, not 5000.", refused(request().steps(5000)),
                "the request schema's limit, before the model's");
        assertEquals(999, unet.plan(request().steps(999).build()).steps());
        assertEquals("steps must be a whole number from 1 to 1000, not 0.", refused(request().steps(0)));
    }

    @Test
    void hugeSizesAreRefusedWithTheLargestThatFitsNeverAnOverflow() {
        String m = refused(request().width(8192).height(8192).frames(10_000));
        assertTrue(m.contains("8192x8192") && m.contains("largest size that fits"), m);
        // beyond the schema's limits nothing reaches the size arithmetic
        assertEquals("frames must be a whole number from 1 to 10000, not 2000000000.",
                refused(request().frames(2_000_000_000)));
        assertEquals("width must be a whole number from 1 to 8192, not 2147483647.",
                refused(request().width(Integer.MAX_VALUE)));
    }

    @Test
    void theLargestSizeOfferedFits() {
        String m = refused(request().width(8192).height(4096).frames(100));
        String size = m.replaceAll(".*fits with 100 frames is (\\d+x\\d+).*", "$1");
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
        assertTrue(refused(request().scheduler("nope")).startsWith("scheduler must be one of ddim, euler"));
        assertTrue(refused(request().scheduler("flow-euler")).contains("flow-matching"));
    }

    @Test
    void theLimitsThemselvesAreAllowed() {
        for (GenerationRequest.Builder ok : List.of(request().guidance(0.0), request().guidance(100.0),
                request().fps(1), request().fps(240))) {
            unet.plan(ok.build());
        }
        assertEquals("fps must be a whole number from 1 to 240, not 0.", refused(request().fps(0)));
        assertEquals("fps must be a whole number from 1 to 240, not 241.", refused(request().fps(241)));
    }

    @Test
    void aSizeOffTheGridNamesTheNearestOnIt() {
        assertTrue(refused(request().width(36)).endsWith("Width must be a positive multiple of 8 pixels for this model,"
                + " but 36 was given; try 32 or 40."));
        assertTrue(refused(request().height(4)).endsWith("Height must be a positive multiple of 8 pixels for this"
                + " model, but 4 was given; try 8."));
        try (TextToVideoPipeline dit = TextToVideoPipeline.load(Fixtures.dir(Fixtures.DIT_FLOW), Device.CPU)) {
            // 8x spatial compression and 2x2 patches: whole patches need multiples of 16
            KinoException e = assertThrows(KinoException.class, () -> dit.plan(request().width(40).build()));
            assertTrue(e.getMessage().contains("multiple of 16 pixels"), e.getMessage());
            KinoException frames = assertThrows(KinoException.class, () -> dit.plan(request().frames(7).build()));
            assertTrue(frames.getMessage().contains("This model makes videos of 4k+1 (5, 9, 13, ...) frames, so 7"
                    + " frames cannot be made; try 9."), frames.getMessage());
            KinoException six = assertThrows(KinoException.class, () -> dit.plan(request().frames(6).build()));
            assertTrue(six.getMessage().endsWith("try 5."), six.getMessage());
        }
    }

    @Test
    void aVideoLargerThanTheHeapNamesWhatItNeedsAndWhatFits() {
        long heap = Runtime.getRuntime().maxMemory();
        org.junit.jupiter.api.Assumptions.assumeTrue(heap < 10L << 30, "needs a heap under 10 GiB");
        // 4000x4000, 40 frames: every array under Java's limit, about 10.6 GiB in all
        String m = refused(request().width(4000).height(4000).frames(40));
        assertTrue(m.matches("A video of 4000x4000 with 40 frames needs about \\d+\\.\\d GiB of memory for its latents"
                + " and frames, more than the \\d+(\\.\\d)? [GM]iB this Java process may use; the largest size that fits"
                + " with 40 frames is \\d+x\\d+ \\(or make fewer frames, or raise -Xmx\\)\\."), m);
        String size = m.replaceAll(".*fits with 40 frames is (\\d+)x(\\d+).*", "$1 $2");
        String[] wh = size.split(" ");
        assertEquals(wh[0], wh[1], "square stays square");
        unet.plan(request().width(Integer.parseInt(wh[0])).height(Integer.parseInt(wh[1])).frames(40).build());
    }

    @Test
    void aSchedulerPredictingOtherThanTheDenoiserIsRefusedAtLoad(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws java.io.IOException {
        java.nio.file.Path pkg = Fixtures.copy(Fixtures.UNET, tmp);
        java.nio.file.Path manifest = pkg.resolve("kino.json");
        String json = java.nio.file.Files.readString(manifest);
        java.nio.file.Files.writeString(manifest, json.replace("\"prediction_type\": \"epsilon\",\n    \"timestep_dtype\"",
                "\"prediction_type\": \"v_prediction\",\n    \"timestep_dtype\""));
        assertTrue(java.nio.file.Files.readString(manifest).contains("\"v_prediction\""), "fixture layout changed");
        KinoException e = assertThrows(KinoException.class, () -> TextToVideoPipeline.load(pkg, Device.CPU).close());
        assertTrue(e.getMessage().contains("v_prediction") && e.getMessage().contains("epsilon"), e.getMessage());
    }
}
