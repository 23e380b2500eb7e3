package dev.kino.condition;

import dev.kino.model.Manifest;
import dev.kino.model.ManifestReader;
import dev.kino.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The condition channels' layout for a non-causal VAE (the demo model: 2 video frames per latent frame, one
 * whole-clip encoder graph) and for a causal one (Wan), on an encoder that reports what it was given.
 */
class ConditionLayoutTest {
    private static final int W = 16;
    private static final int H = 16;

    /** A manifest like the demo model's, with the encoder kind and causality given. */
    static Manifest manifest(boolean causal) {
        String encoder = causal
                ? "{\"file\": \"e1.onnx\", \"next_file\": \"e2.onnx\", \"input\": \"video\", \"output\": \"latent\","
                + " \"cache_inputs\": [], \"cache_outputs\": [], \"frames_first\": 1, \"frames_next\": 2}"
                : "{\"kind\": \"3d\", \"file\": \"vae_encoder.onnx\", \"input\": \"sample\", \"output\": \"latent\"}";
        return ManifestReader.parse("""
                {"kino": 1, "name": "t", "tokenizer": "tokenizer.json",
                 "text_encoder": {"file": "te.onnx", "precision": "fp32", "max_length": 16, "padding": "max_length",
                   "input_ids": "input_ids", "attention_mask": "attention_mask", "output": "h", "dynamic_batch": true},
                 "latent": {"channels": 3, "spatial_compression": 8, "temporal_compression": 2, "causal": %s},
                 "defaults": {"width": 16, "height": 16, "frames": 8, "fps": 8, "steps": 2, "guidance": 3.0},
                 "denoiser": {"file": "d.onnx", "precision": "fp32", "dynamic_batch": true, "sample": "sample",
                   "timestep": "timestep", "text_embeddings": "e", "output": "o", "prediction_type": "flow",
                   "timestep_dtype": "float32", "in_channels": 8},
                 "scheduler": {"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000},
                 "vae": {"kind": "3d", "file": "v.onnx", "precision": "fp32", "dynamic_batch": true,
                   "input": "z", "output": "x", "latents_mean": [1, 0, 0], "latents_std": [2, 1, 1]},
                 "conditioning": {"mode": "concat", "image": "optional", "last_image": "unsupported",
                   "resize": "lanczos", "mask_channels": 2, "vae_encoder": %s}}
                """.formatted(causal, encoder), "test");
    }

    /** Latent value = 10 * latent frame + channel + (first video frame's first pixel), to see what went where. */
    private static VaeEncoder fake(int[] framesSeen) {
        return (video, frames, height, width) -> {
            framesSeen[0] = frames;
            int lf = frames / 2;
            int plane = (height / 8) * (width / 8);
            float[] z = new float[3 * lf * plane];
            for (int c = 0; c < 3; c++) {
                for (int f = 0; f < lf; f++) {
                    for (int p = 0; p < plane; p++) {
                        z[(c * lf + f) * plane + p] = 10 * f + c + video[2 * f * height * width];
                    }
                }
            }
            return new FloatTensor(new long[] {1, 3, lf, height / 8, width / 8}, z);
        };
    }

    @Test
    void demoStyleManifestReadsAWholeClipEncoder() {
        Manifest.VaeEncoder e = manifest(false).conditioning().vaeEncoder();
        assertEquals(Manifest.VaeKind.THREE_D, e.kind());
        assertNull(e.nextFile());
        assertEquals("vae_encoder.onnx", manifest(false).files().get("VAE encoder"));
        assertEquals(false, manifest(false).files().containsKey("VAE next-frames encoder"));
        assertEquals(Manifest.VaeKind.CAUSAL, manifest(true).conditioning().vaeEncoder().kind(), "default: causal");
    }

    @Test
    void nonCausalMaskMarksOnlyVideoFrameZero() {
        Manifest m = manifest(false);
        float[] first = new float[3 * H * W];
        java.util.Arrays.fill(first, 0.5f);
        int[] seen = new int[1];
        FloatTensor cond = ImageCondition.build(m, fake(seen), first, null, 8, W, H);
        assertEquals(8, seen[0], "the whole clip is encoded: [picture, zeros x 7]");
        assertArrayEquals(new long[] {1, 2 + 3, 4, 2, 2}, cond.shape());
        float[] d = cond.data();
        int plane = 4;
        int lf = 4;
        for (int f = 0; f < lf; f++) {
            assertEquals(f == 0 ? 1f : 0f, d[(0 * lf + f) * plane], "mask channel 0 (video frame 2f), frame " + f);
            assertEquals(0f, d[(1 * lf + f) * plane], "mask channel 1 (video frame 2f + 1), frame " + f);
            for (int c = 0; c < 3; c++) {
                float raw = 10 * f + c + (f == 0 ? 0.5f : 0f);   // the picture is frame 0; the rest are zeros
                float want = c == 0 ? (raw - 1) * (1f / 2) : raw;  // normalised with mean/std of kino.json
                assertEquals(want, d[((2 + c) * lf + f) * plane], 1e-6f, "latent channel " + c + " frame " + f);
            }
        }
    }

    @Test
    void causalMaskMarksEveryChannelOfLatentFrameZero() {
        Manifest m = manifest(true);
        FloatTensor cond = ImageCondition.build(m, fake(new int[1]), new float[3 * H * W], null, 8, W, H);
        int plane = 4;
        int lf = 4;
        for (int c = 0; c < 2; c++) {
            assertEquals(1f, cond.data()[(c * lf) * plane], "channel " + c + " of latent frame 0 (frame 0, repeated)");
            assertEquals(0f, cond.data()[(c * lf + 1) * plane], "channel " + c + " of latent frame 1");
        }
    }

    @Test
    void noPictureIsAllZeroChannels() {
        FloatTensor none = ImageCondition.none(manifest(false), new long[] {1, 3, 4, 2, 2});
        assertArrayEquals(new long[] {1, 5, 4, 2, 2}, none.shape());
        for (float v : none.data()) {
            assertEquals(0f, v);
        }
    }
}
