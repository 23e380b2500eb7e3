package dev.kino;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.denoise.StepEvent;
import dev.kino.model.ModelGraphs;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.text.PromptTokenizer;
import dev.kino.text.TextEmbeddings;
import dev.kino.text.TextEncoder;
import dev.kino.text.Tokens;
import dev.kino.video.VideoFrames;
import org.junit.jupiter.api.DynamicTest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.kino.ReferenceTensors.maxAbs;
import static dev.kino.ReferenceTensors.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the model families' parity tests (Wan, Wan image-to-video, LTX-Video) share when they hold Kino against
 * a diffusers reference ({@link ReferenceTensors}): one dynamic test per reference entry, a prompt through the
 * package's tokenizer and text encoder, a run that keeps every step, and the frames' distance in 8-bit levels.
 */
public final class ReferenceRuns {
    private ReferenceRuns() {
    }

    /** A check of one reference entry. */
    public interface Check {
        void run(String key, JsonNode entry) throws Exception;
    }

    /** One dynamic test per field of {@code entries} (a reference's prompts or cases), named by its key. */
    public static List<DynamicTest> each(JsonNode entries, Check check) {
        List<DynamicTest> tests = new ArrayList<>();
        entries.fields().forEachRemaining(e ->
                tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check.run(e.getKey(), e.getValue()))));
        return tests;
    }

    /** A prompt as Kino tokenized it, and how far its embeddings are from diffusers', relative to their scale. */
    public record Prompt(Tokens tokens, float relativeDiff) {
    }

    /**
     * Tokenizes {@code text} with the package's tokenizer (padded to {@code maxLength}) and encodes it with its
     * text encoder, then checks the reference's {@code text/KEY/...} tensors: the same token ids and mask, the
     * mask carried with the embeddings, and embeddings within 1e-4 of their largest magnitude.
     */
    public static Prompt checkPrompt(ReferenceTensors ref, String key, Path packageDir, int maxLength, String text) {
        ModelPackage pkg = ModelPackage.open(packageDir);
        try (PromptTokenizer tok = PromptTokenizer.load(pkg.resolve("tokenizer.json"), maxLength, "max_length");
             ModelGraphs graphs = ModelGraphs.open(pkg, OnnxRuntime.create(Device.CPU))) {
            Tokens tokens = tok.tokenize(text);
            assertArrayEquals(ref.longs("text/" + key + "/input_ids"), tokens.ids(), "token ids");
            assertArrayEquals(ref.longs("text/" + key + "/attention_mask"), tokens.attentionMask(), "mask");
            TextEmbeddings emb = new TextEncoder(graphs.textEncoder(), pkg.manifest().textEncoder()).encode(tokens, null);
            assertArrayEquals(tokens.attentionMask(), emb.condMask(), "the mask travels with the embeddings");
            float[] want = ref.floats("text/" + key + "/prompt_embeds");
            float diff = maxDiff(emb.cond().data(), want);
            assertTrue(diff <= 1e-4f * maxAbs(want), key + " embeddings differ by " + diff);
            return new Prompt(tokens, diff / maxAbs(want));
        }
    }

    /** A finished generation with the latents after every step and the timestep of every step. */
    public record Run(GenerationResult result, List<float[]> latents, List<Double> timesteps) {
    }

    /** Generates {@code request}, keeping a copy of the latents and the timestep of every step. */
    public static Run generate(TextToVideoPipeline kino, GenerationRequest request) {
        List<float[]> latents = new ArrayList<>();
        List<Double> timesteps = new ArrayList<>();
        GenerationResult r = kino.generate(request, (StepEvent e) -> {
            latents.add(e.latents().copy());
            timesteps.add(e.timestep());
            return true;
        });
        return new Run(r, latents, timesteps);
    }

    /** The largest difference, in 8-bit levels, between the frames and a reference's {@code [.., F, H, W, 3]} bytes. */
    public static int worstLevels(VideoFrames frames, byte[] reference) {
        int pixels = frames.width() * frames.height() * 3;
        int worst = 0;
        for (int f = 0; f < frames.count(); f++) {
            byte[] got = frames.frame(f);
            for (int i = 0; i < got.length; i++) {
                worst = Math.max(worst, Math.abs((got[i] & 0xff) - (reference[f * pixels + i] & 0xff)));
            }
        }
        return worst;
    }
}
