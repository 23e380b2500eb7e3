package dev.kino.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoRA module names onto the demo model's denoiser, whose exporter left the MatMul weights unnamed
 * ({@code onnx::MatMul_2210}): found by the scope of the node that uses them, in the node's layout.
 */
class GraphLinearsTest {
    private static final Path DEMO = Path.of("..", "..", "models", "demo", "package", "denoiser.onnx")
            .toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void scopesNameModulesAsPyTorchDoes() {
        assertEquals("d2a.0.self_attn.q", GraphLinears.module("/d2a.0/self_attn/q/MatMul"));
        assertEquals("d2a.0.ff.0", GraphLinears.module("/d2a.0/ff/ff.0/MatMul"));        // Sequential child
        assertEquals("t_mlp.2", GraphLinears.module("/t_mlp/t_mlp.2/Gemm"));
        assertEquals("blocks.0.ffn.net.0.proj", GraphLinears.module("/blocks.0/ffn/net.0/proj/MatMul"));
    }

    @Test
    void theDemoDenoisersLinearLayersAreFoundWithTheirLayout() {
        GraphLinears g = new GraphLinears(OnnxInitializers.of(DEMO));
        GraphLinears.Linear q = g.find("d2a.0.self_attn.q");
        assertTrue(q.weight().name().startsWith("onnx::MatMul_"), q.weight().name());
        assertTrue(q.transposed());
        assertEquals("d2a.0.self_attn.q.bias", q.bias().name());
        GraphLinears.Linear ff = g.find("mida.ff.0");
        assertEquals(List.of(64L, 256L), List.of(ff.weight().dims()[0], ff.weight().dims()[1]));
        assertTrue(ff.transposed());
        GraphLinears.Linear film = g.find("d1.0.film");      // Gemm with transB: PyTorch's [out, in]
        assertEquals("d1.0.film.weight", film.weight().name());
        assertFalse(film.transposed());
        assertEquals("d1.0.film.bias", film.bias().name());
        assertNull(g.find("conv_in"), "a convolution is no linear layer");
        assertNull(g.find("d2a.9.self_attn.q"));
    }

    /** One entry of a square weight: W[out 5][in 3] += s must land at [3][5] of the [in, out] MatMul weight. */
    @Test
    void aLowRankChangeLandsInTheNodesLayout() throws IOException {
        float[][] down = new float[1][64];
        float[][] up = new float[64][1];
        down[0][3] = 1;
        up[5][0] = 1;
        Map<String, float[][]> t = new LinkedHashMap<>();
        t.put("transformer.d2a.0.self_attn.q.lora_A.weight", down);
        t.put("transformer.d2a.0.self_attn.q.lora_B.weight", up);
        Path file = write(t);
        LoraMerge merge = new LoraMerge(DEMO);
        Map<String, LoraMerge.Merged> merged = merge.merge(List.of(new Lora(file, 0.5, null)),
                List.of(LoraFile.read(file)), 0);
        assertEquals(1, merged.size());
        LoraMerge.Merged m = merged.values().iterator().next();
        assertTrue(m.inlineAt() > 0, "the demo graph holds its weights inline");
        float[] base = OnnxInitializers.read(OnnxInitializers.of(DEMO).byName().get(m.name()));
        for (int i = 0; i < base.length; i++) {
            assertEquals(base[i] + (i == 3 * 64 + 5 ? 0.5f : 0f), m.values()[i], 0f, "at " + i);
        }
    }

    private Path write(Map<String, float[][]> tensors) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        ByteBuffer data = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, float[][]> e : tensors.entrySet()) {
            int begin = data.position();
            for (float[] row : e.getValue()) {
                for (float v : row) {
                    data.putFloat(v);
                }
            }
            header.put(e.getKey(), Map.of("dtype", "F32", "shape", List.of(e.getValue().length, e.getValue()[0].length),
                    "data_offsets", List.of(begin, data.position())));
        }
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.position()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(data.array(), 0, data.position());
        Path file = tmp.resolve("one-entry.safetensors");
        Files.write(file, out.array());
        return file;
    }
}
