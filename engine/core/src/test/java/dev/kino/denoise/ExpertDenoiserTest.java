package dev.kino.denoise;

import dev.kino.Fixtures;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.text.TextEmbeddings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpertDenoiserTest {

    /** A denoiser that writes its own id and guidance into the output and logs the timesteps it saw. */
    private record Recording(int id, List<String> log) implements Denoiser {
        @Override
        public Run begin(long[] shape, TextEmbeddings embeddings, float[] guidance) {
            return new Run() {
                @Override
                public void predict(float[] in, double t, float[] out) {
                    log.add(id + "@" + (int) t + "g" + guidance[0]);
                }

                @Override
                public void close() {
                    log.add(id + " closed");
                }
            };
        }
    }

    /** A denoiser whose begin fails (an expert graph that cannot bind its tensors). */
    private record Failing() implements Denoiser {
        @Override
        public Run begin(long[] shape, TextEmbeddings embeddings, float[] guidance) {
            throw new IllegalStateException("no memory for expert 2");
        }
    }

    @Test
    void eachTimestepGoesToTheExpertWhoseBoundaryItReachesWithThatExpertsGuidance() {
        List<String> log = new ArrayList<>();
        ExpertDenoiser d = new ExpertDenoiser(List.of(new Recording(0, log), new Recording(1, log)),
                new double[] {875, 0});
        try (Denoiser.Run run = d.begin(new long[] {1, 1, 1, 1, 1}, null, new float[] {4f, 3f})) {
            for (double t : new double[] {1000, 875, 874.9, 0}) {
                run.predict(new float[1], t, new float[1]);
            }
        }
        // each expert's run begins at its first timestep and the previous one closes first (one expert at a time)
        assertEquals(List.of("0@1000g4.0", "0@875g4.0", "0 closed", "1@874g3.0", "1@0g3.0", "1 closed"), log);
    }

    @Test
    void threeExpertsEachServeTheirOwnBandBoundariesIncluded() {
        List<String> log = new ArrayList<>();
        ExpertDenoiser d = new ExpertDenoiser(List.of(new Recording(0, log), new Recording(1, log),
                new Recording(2, log)), new double[] {900, 500, 0});
        try (Denoiser.Run run = d.begin(new long[] {1, 1, 1, 1, 1}, null, new float[] {5f, 4f, 3f})) {
            for (double t : new double[] {999, 900, 899, 500, 499, 0}) {
                run.predict(new float[1], t, new float[1]);
            }
        }
        assertEquals(List.of("0@999g5.0", "0@900g5.0", "0 closed", "1@899g4.0", "1@500g4.0", "1 closed",
                "2@499g3.0", "2@0g3.0", "2 closed"), log);
    }

    @Test
    void anExpertThatCannotBeginLeavesNoRunOpen() {
        List<String> log = new ArrayList<>();
        ExpertDenoiser d = new ExpertDenoiser(List.of(new Recording(0, log), new Recording(1, log), new Failing()),
                new double[] {900, 500, 0});
        try (Denoiser.Run run = d.begin(new long[] {1, 1, 1, 1, 1}, null, new float[] {5f, 4f, 3f})) {
            run.predict(new float[1], 999, new float[1]);
            run.predict(new float[1], 600, new float[1]);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> run.predict(new float[1], 499, new float[1]));
            assertEquals("no memory for expert 2", e.getMessage());
        }
        assertEquals(List.of("0@999g5.0", "0 closed", "1@600g4.0", "1 closed"), log, "nothing leaks, nothing closes twice");
    }

    @Test
    void aDenoiserWithoutImageInputsRefusesAnImageCondition() {
        DenoiserCondition image = new DenoiserCondition(null, null,
                new dev.kino.tensor.FloatTensor(new long[] {1, 2, 3}, new float[6]));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> new Failing().begin(new long[] {1, 1, 1, 1, 1}, null, new float[] {1f}, image));
        assertTrue(e.getMessage().contains("takes no image conditioning"), e.getMessage());
        // the frame rate alone is no image conditioning
        assertThrows(IllegalStateException.class, () -> new Failing().begin(new long[] {1, 1, 1, 1, 1}, null,
                new float[] {1f}, DenoiserCondition.NONE.withFrameRate(24)));
    }

    private static float[] latents(Path model) {
        try (TextToVideoPipeline p = TextToVideoPipeline.load(model, Device.CPU)) {
            return p.generate(GenerationRequest.builder("a blue square").steps(4).frames(5).seed(3L).build(),
                    e -> true).latents().data();
        }
    }

    private static Path variant(Path dir, String name, String from, String to) throws IOException {
        Path copy = Fixtures.copy("dit-flow-experts", dir.resolve(name));
        Path manifest = copy.resolve("kino.json");
        String json = Files.readString(manifest);
        Files.writeString(manifest, json.replace(from, to));
        return copy;
    }

    @Test
    void mixtureDiffersFromEitherExpertAloneAndReducesToOneWhenItCoversEveryStep(@TempDir Path tmp) throws IOException {
        float[] mixture = latents(Fixtures.dir("dit-flow-experts"));
        // boundary 0 for the high expert: it serves every step (the low one never runs)
        float[] highOnly = latents(variant(tmp, "high", "\"boundary_ratio\": 0.875", "\"boundary_ratio\": 0.0"));
        // the same graph and guidance as a plain single-denoiser package
        Path plain = variant(tmp, "plain", "\"guidance\": 4.0", "\"guidance\": 4.0");
        String json = Files.readString(plain.resolve("kino.json"));
        int start = json.indexOf(",\n    \"experts\"");
        Files.writeString(plain.resolve("kino.json"), json.substring(0, start) + json.substring(json.indexOf("]", start) + 1));
        assertArrayEquals(highOnly, latents(plain), "one expert covering every step is just that graph");
        assertFalse(java.util.Arrays.equals(mixture, highOnly), "the low-noise expert changes the late steps");
    }
}
