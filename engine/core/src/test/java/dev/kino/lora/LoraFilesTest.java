package dev.kino.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA files Kino must refuse in one sentence, and the layouts that must mean the same change. */
class LoraFilesTest {
    private static final Path WAN = Path.of("src", "test", "resources", "wan").toAbsolutePath();
    private static TextToVideoPipeline kino;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() {
        kino = TextToVideoPipeline.load(WAN.resolve("tiny-wan21"), Device.CPU);
    }

    @AfterAll
    static void close() {
        kino.close();
    }

    /** Writes a safetensors file of float32 tensors. */
    static Path write(String name, Map<String, float[][]> tensors) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        ByteBuffer data = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, float[][]> e : tensors.entrySet()) {
            float[][] t = e.getValue();
            int begin = data.position();
            for (float[] row : t) {
                for (float v : row) {
                    data.putFloat(v);
                }
            }
            List<Integer> shape = t.length == 1 ? List.of(t[0].length) : List.of(t.length, t[0].length);
            header.put(e.getKey(), Map.of("dtype", "F32", "shape", shape, "data_offsets", List.of(begin, data.position())));
        }
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.position()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(data.array(), 0, data.position());
        Path file = tmp.resolve(name);
        Files.write(file, out.array());
        return file;
    }

    static float[][] random(int rows, int cols, long seed) {
        Random r = new Random(seed);
        float[][] m = new float[rows][cols];
        for (float[] row : m) {
            for (int i = 0; i < cols; i++) {
                row[i] = (float) r.nextGaussian() * 0.1f;
            }
        }
        return m;
    }

    private static String refusal(Path lora) {
        GenerationRequest r = GenerationRequest.builder("a fox").steps(1).loras(List.of(new Lora(lora, 0.8, null))).build();
        KinoException e = assertThrows(KinoException.class, () -> kino.plan(r));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.endsWith("."), "a sentence: " + m);
        System.out.println("LoRA refused: " + m);
        return m;
    }

    @Test
    void aDamagedFileIsOneSentence() throws IOException {
        byte[] good = Files.readAllBytes(WAN.resolve("lora/peft.safetensors"));
        Path cut = tmp.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(good, good.length / 2));
        assertTrue(refusal(cut).contains("damaged"));
        Path noise = tmp.resolve("noise.safetensors");
        Files.write(noise, "this is not a safetensors file at all".getBytes(StandardCharsets.UTF_8));
        assertTrue(refusal(noise).contains("damaged"));
    }

    @Test
    void aLoraForAnotherModelNamesTheLayer() throws IOException {
        Path wide = write("wide.safetensors", Map.of(
                "transformer.blocks.0.attn1.to_q.lora_A.weight", random(4, 64, 1),
                "transformer.blocks.0.attn1.to_q.lora_B.weight", random(64, 4, 2)));
        String m = refusal(wide);
        assertTrue(m.contains("blocks.0.attn1.to_q") && m.contains("another model"), m);
        Path deeper = write("deeper.safetensors", Map.of(
                "diffusion_model.blocks.7.self_attn.q.lora_down.weight", random(4, 32, 1),
                "diffusion_model.blocks.7.self_attn.q.lora_up.weight", random(32, 4, 2)));
        assertTrue(refusal(deeper).contains("blocks.7.attn1.to_q"));
    }

    @Test
    void anotherRankLayoutIsRefused() throws IOException {
        Path ranks = write("ranks.safetensors", Map.of(
                "transformer.blocks.0.attn1.to_q.lora_A.weight", random(4, 32, 1),
                "transformer.blocks.0.attn1.to_q.lora_B.weight", random(32, 2, 2)));
        assertTrue(refusal(ranks).contains("rank layout"));
        Path half = write("half.safetensors", Map.of(
                "diffusion_model.blocks.0.self_attn.q.lora_down.weight", random(4, 32, 1)));
        assertTrue(refusal(half).contains("rank layout"));
    }

    @Test
    void unknownKeysAreNamedNotDropped() throws IOException {
        Path odd = write("odd.safetensors", Map.of(
                "diffusion_model.blocks.0.self_attn.q.lora_down.weight", random(4, 32, 1),
                "diffusion_model.blocks.0.self_attn.q.lora_up.weight", random(32, 4, 2),
                "diffusion_model.blocks.0.self_attn.q.lora_mid.weight", random(4, 4, 3)));
        assertTrue(refusal(odd).contains("diffusion_model.blocks.0.self_attn.q.lora_mid.weight"));
        Path norm = write("norm.safetensors", Map.of("diffusion_model.blocks.0.self_attn.norm_q.diff", random(1, 32, 4)));
        assertTrue(refusal(norm).contains("norm_q"));
    }

    @Test
    void aFullDiffIsTheSameChangeAsItsLowRankFactors() throws IOException {
        float[][] down = random(4, 32, 5);
        float[][] up = random(32, 4, 6);
        float alpha = 8;    // scale alpha / rank = 2
        float[][] diff = new float[32][32];
        for (int o = 0; o < 32; o++) {
            for (int i = 0; i < 32; i++) {
                for (int k = 0; k < 4; k++) {
                    diff[o][i] += 2 * up[o][k] * down[k][i];
                }
            }
        }
        Path lowRank = write("lowrank.safetensors", Map.of(
                "diffusion_model.blocks.1.cross_attn.v.lora_down.weight", down,
                "diffusion_model.blocks.1.cross_attn.v.lora_up.weight", up,
                "diffusion_model.blocks.1.cross_attn.v.alpha", new float[][] {{alpha}}));
        Path full = write("full.safetensors", Map.of("diffusion_model.blocks.1.cross_attn.v.diff", diff));
        LoraMerge merge = new LoraMerge(WAN.resolve("tiny-wan21/denoiser.onnx"));
        Lora a = new Lora(lowRank, -0.3, null);
        Lora b = new Lora(full, -0.3, null);
        Map<String, LoraMerge.Merged> fromFactors = merge.merge(List.of(a), List.of(LoraFile.read(lowRank)), 0);
        Map<String, LoraMerge.Merged> fromDiff = merge.merge(List.of(b), List.of(LoraFile.read(full)), 0);
        assertEquals(List.of("/blocks.1/attn2/to_v/Transpose_output_0"), List.copyOf(fromFactors.keySet()));
        assertEquals(fromFactors.keySet(), fromDiff.keySet());
        float[] x = fromFactors.values().iterator().next().values();
        float[] y = fromDiff.values().iterator().next().values();
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], y[i], 1e-6f, "element " + i);
        }
        assertTrue(merge.merge(List.of(new Lora(full, 0.0, null)), List.of(LoraFile.read(full)), 0).isEmpty(),
                "strength 0 replaces no weight");
    }

    /** Image-to-video layers (Wan 2.1 I2V): the image K/V projections and the image embedder's FFN. */
    @Test
    void imageToVideoLayersMapOntoTheI2vGraph() throws IOException {
        Path i2v = write("i2v.safetensors", Map.of(
                "diffusion_model.blocks.0.cross_attn.k_img.lora_down.weight", random(4, 32, 1),
                "diffusion_model.blocks.0.cross_attn.k_img.lora_up.weight", random(32, 4, 2),
                "diffusion_model.img_emb.proj.1.lora_down.weight", random(4, 24, 3),
                "diffusion_model.img_emb.proj.1.lora_up.weight", random(24, 4, 4)));
        Path graph = WAN.getParent().resolve("wan-i2v/tiny-wan21-i2v/denoiser.onnx");
        Map<String, LoraMerge.Merged> merged = new LoraMerge(graph).merge(List.of(new Lora(i2v, 1.0, null)),
                List.of(LoraFile.read(i2v)), 0);
        assertEquals(java.util.Set.of("/blocks.0/attn2/add_k_proj/Transpose_output_0", "/ff/net.0/proj/Transpose_output_0"),
                merged.keySet());
    }

    @Test
    void commandLineSpecs() {
        assertEquals(new Lora(Path.of("style.safetensors"), 1.0, null), Lora.parse("style.safetensors"));
        assertEquals(new Lora(Path.of("style.safetensors"), 0.8, null), Lora.parse("style.safetensors:0.8"));
        assertEquals(new Lora(Path.of("a:b.safetensors"), -0.3, 1), Lora.parse("a:b.safetensors:-0.3:low"));
        assertEquals(0, Lora.parse("x.safetensors:1:high").expert());
        assertNull(Lora.parse("x.safetensors:2").expert());
    }
}
