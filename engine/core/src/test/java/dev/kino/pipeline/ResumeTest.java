package dev.kino.pipeline;

import dev.kino.Fixtures;
import dev.kino.KinoException;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints through the whole pipeline: a generation stopped after step k, its checkpoint written to bytes,
 * its plan to JSON, then resumed by a newly loaded pipeline, gives the uninterrupted run's latents and frames
 * bit for bit.
 */
class ResumeTest {
    private static TextToVideoPipeline unet;
    private static TextToVideoPipeline dit;

    @BeforeAll
    static void load() {
        unet = TextToVideoPipeline.load(Fixtures.dir(Fixtures.UNET), Device.CPU);
        dit = TextToVideoPipeline.load(Fixtures.dir(Fixtures.DIT_FLOW), Device.CPU);
    }

    @AfterAll
    static void close() {
        unet.close();
        dit.close();
    }

    @ParameterizedTest
    @CsvSource({"unet3d-ddim, ddim, 4", "unet3d-ddim, euler-a, 4", "unet3d-ddim, dpmpp-2m-karras, 5",
            "unet3d-ddim, unipc, 5", "dit-flow, flow-unipc, 5", "dit-flow, flow-dpmpp-2m, 4", "dit-flow, flow-euler, 3"})
    void stopAfterStepKAndResumeInANewPipelineIsBitIdentical(String fixture, String scheduler, int steps)
            throws IOException {
        TextToVideoPipeline p = fixture.equals(Fixtures.UNET) ? unet : dit;
        GenerationRequest request = GenerationRequest.builder("a red circle moving right").seed(11L).steps(steps)
                .scheduler(scheduler).frames(fixture.equals(Fixtures.UNET) ? 4 : 5).build();
        GenerationPlan plan = p.plan(request);
        GenerationResult whole = p.generate(plan, e -> true);

        List<byte[]> saved = new ArrayList<>();
        int stopAfter = steps / 2;
        GenerationOptions stopping = new GenerationOptions(e -> e.step() + 1 < stopAfter, null, 1, c -> {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try {
                c.writeTo(bytes);
            } catch (IOException ex) {
                throw new AssertionError(ex);
            }
            saved.add(bytes.toByteArray());
        });
        GenerationCancelledException stopped = assertThrows(GenerationCancelledException.class,
                () -> p.generate(plan, stopping));
        assertEquals(stopAfter, stopped.completedSteps());
        assertEquals(stopAfter, saved.size(), "one checkpoint per completed step");

        String json = plan.toJson();
        Checkpoint checkpoint = Checkpoint.readFrom(new ByteArrayInputStream(saved.get(saved.size() - 1)));
        assertEquals(stopAfter, checkpoint.completedSteps());
        try (TextToVideoPipeline again = TextToVideoPipeline.load(Fixtures.dir(fixture), Device.CPU)) {
            GenerationPlan restored = GenerationPlan.fromJson(json);
            assertEquals(plan.fingerprint(), restored.fingerprint());
            List<Integer> stepsSeen = new ArrayList<>();
            GenerationResult resumed = again.generate(restored,
                    GenerationOptions.of(e -> stepsSeen.add(e.step())).resumingFrom(checkpoint));
            assertEquals(stopAfter, stepsSeen.get(0), "the resumed run starts after the checkpoint");
            assertEquals(steps - stopAfter, resumed.timings().steps().size());
            assertArrayEquals(whole.latents().data(), resumed.latents().data(), scheduler + " latents");
            for (int i = 0; i < whole.frames().count(); i++) {
                assertArrayEquals(whole.frames().frame(i), resumed.frames().frame(i), scheduler + " frame " + i);
            }
        }
    }

    @Test
    void everyCheckpointResumesToTheSameEnd() {
        GenerationPlan plan = unet.plan(GenerationRequest.builder("a blue square").seed(5L).steps(5)
                .scheduler("dpmpp-2m").frames(4).build());
        List<Checkpoint> checkpoints = new ArrayList<>();
        GenerationResult whole = unet.generate(plan, GenerationOptions.of(e -> true).checkpointing(2, checkpoints::add));
        assertEquals(List.of(2, 4), checkpoints.stream().map(Checkpoint::completedSteps).toList());
        for (Checkpoint c : checkpoints) {
            Checkpoint copy = Checkpoint.fromBytes(c.toBytes());
            GenerationResult r = unet.generate(plan, GenerationOptions.of(e -> true).resumingFrom(copy));
            assertArrayEquals(whole.latents().data(), r.latents().data(), "from step " + c.completedSteps());
        }
    }

    @Test
    void aCheckpointOfAnotherPlanOrModelIsRefused() {
        GenerationPlan plan = unet.plan(GenerationRequest.builder("a blue square").steps(3).frames(4).build());
        List<Checkpoint> checkpoints = new ArrayList<>();
        unet.generate(plan, GenerationOptions.of(e -> true).checkpointing(1, checkpoints::add));
        assertEquals(List.of(1, 2), checkpoints.stream().map(Checkpoint::completedSteps).toList(),
                "nothing is left to resume after the last step");
        Checkpoint last = checkpoints.get(1);
        Checkpoint finished = new Checkpoint(last.planFingerprint(), 3, last.latents(), last.schedulerState(),
                last.generatorState());
        KinoException done = assertThrows(KinoException.class,
                () -> unet.generate(plan, GenerationOptions.of(x -> true).resumingFrom(finished)));
        assertTrue(done.getMessage().contains("does not fit its plan (3 of 3 steps done)"), done.getMessage());
        GenerationPlan other = unet.plan(GenerationRequest.builder("a blue square").steps(3).frames(4).seed(2L).build());
        KinoException e = assertThrows(KinoException.class,
                () -> unet.generate(other, GenerationOptions.of(x -> true).resumingFrom(checkpoints.get(0))));
        assertTrue(e.getMessage().contains("another generation plan"), e.getMessage());
        KinoException model = assertThrows(KinoException.class, () -> dit.generate(plan, x -> true));
        assertTrue(model.getMessage().contains("was made for the model"), model.getMessage());
        byte[] bytes = checkpoints.get(0).toBytes();
        KinoException cut = assertThrows(KinoException.class,
                () -> Checkpoint.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length / 2)));
        assertTrue(cut.getMessage().contains("cut short"), cut.getMessage());
    }

    @Test
    void planJsonRoundTripsAndAnEditedPlanIsRefused() {
        GenerationPlan plan = dit.plan(GenerationRequest.builder("a blue square").steps(4).frames(5).build());
        GenerationPlan back = GenerationPlan.fromJson(plan.toJson());
        assertEquals(plan, back);
        assertEquals(plan.toJson(), back.toJson());
        assertArrayEquals(plan.timesteps(), back.timesteps());
        assertArrayEquals(plan.sigmas(), back.sigmas());
        // the request travels with the plan, as given, so a worker running a stored plan has every setting
        GenerationRequest given = GenerationRequest.builder("a blue square").steps(4).frames(5).build();
        assertEquals(given, plan.request());
        assertEquals(given, back.request());
        String edited = plan.toJson().replace("\"seed\" : 0", "\"seed\" : 1");
        KinoException e = assertThrows(KinoException.class, () -> GenerationPlan.fromJson(edited));
        assertTrue(e.getMessage().contains("changed after it was made"), e.getMessage());
        assertThrows(KinoException.class, () -> GenerationPlan.fromJson("{ not json"));
    }
}
