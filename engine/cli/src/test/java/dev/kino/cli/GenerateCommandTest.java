package dev.kino.cli;

import dev.kino.Fixtures;
import dev.kino.commandline.KinoPrograms;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kino generate} end to end on the fixtures: the MP4 reads back with the right frames, size and fps. */
class GenerateCommandTest {
    @TempDir
    Path tmp;

    /** Frames, width, height and fps of an MP4 as FFmpeg reads it back, and its codec. */
    record Probe(int frames, int width, int height, double fps, String codec) {
    }

    static Probe probe(Path mp4) throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile())) {
            g.start();
            int frames = 0;
            while (g.grabImage() != null) {
                frames++;
            }
            return new Probe(frames, g.getImageWidth(), g.getImageHeight(), g.getFrameRate(), g.getVideoCodecName());
        }
    }

    @Test
    void writesAPlayableMp4AndReportsWhereAndHowLong() throws Exception {
        Path out = tmp.resolve("clip.mp4");
        Cli.Run run = Cli.kino("generate", "a red circle moving right", "--model",
                Fixtures.dir(Fixtures.UNET).toString(), "--frames", "6", "--fps", "12", "--steps", "3",
                "--upscale", "1", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(new Probe(6, 32, 32, 12.0, "h264"), probe(out));
        assertTrue(run.out().contains("Wrote " + out), run.out());
        for (String stage : List.of("tokenize", "text encode", "denoise", "VAE decode", "encode MP4", "total")) {
            assertTrue(run.out().contains(stage), "reports " + stage + ": " + run.out());
        }
        assertTrue(run.out().contains("3 steps"), run.out());
        assertTrue(run.err().contains("Denoising"), "progress bar on stderr: " + run.err());
        assertTrue(run.err().contains("it/s"), "progress shows speed: " + run.err());
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(out), files.toList(), "only the MP4, no temporary file");
        }
    }

    @Test
    void withoutAModelItUsesTheBuiltInDemoModelAndItsDefaults() throws Exception {
        Path out = tmp.resolve("demo.mp4");
        Cli.Run run = Cli.kino("generate", "a red circle moving right", "--upscale", "1", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("kino-demo"), run.err());
        assertEquals(new Probe(16, 64, 64, 8.0, "h264"), probe(out), "the demo model's 64x64, 16 frames, 8 fps");
        assertTrue(run.err().contains("20 steps of flow-euler, guidance 3.0"), run.err());
    }

    @Test
    void smallVideosAreUpscaledForViewingAndSaySo() throws Exception {
        Path out = tmp.resolve("big.mp4");
        Cli.Run run = Cli.kino("generate", "a red circle", "--model", Fixtures.dir(Fixtures.UNET).toString(),
                "--steps", "1", "-o", out.toString(), "-q");
        assertEquals(0, run.exitCode(), run.err());
        Probe p = probe(out);
        assertEquals(256, p.width(), "32 px upscaled 8x");
        assertEquals(4, p.frames());
        assertTrue(run.out().contains("upscaled 8x"), run.out());
    }

    @Test
    void framesDirGetsOnePngPerFrame() throws Exception {
        Path out = tmp.resolve("v.mp4");
        Path frames = tmp.resolve("frames");
        Cli.Run run = Cli.kino("generate", "a blue square moving up", "--model",
                Fixtures.dir(Fixtures.DIT_FLOW).toString(), "--steps", "2", "-o", out.toString(),
                "--frames-dir", frames.toString(), "-q");
        assertEquals(0, run.exitCode(), run.err());
        try (var files = Files.list(frames)) {
            List<Path> pngs = files.sorted().toList();
            assertEquals(5, pngs.size());
            BufferedImage first = ImageIO.read(pngs.get(0).toFile());
            assertNotNull(first);
            assertEquals(48, first.getWidth());
            assertEquals(32, first.getHeight());
        }
        assertEquals(5, probe(out).frames());
    }

    @Test
    void infoShowsSignaturesAndProvider() {
        Cli.Run run = Cli.kino("info", "--model", Fixtures.dir(Fixtures.DIT_FLOW).toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("hidden_states: float32[batch, 8, frames, height, width]"), run.out());
        assertTrue(run.out().contains("Provider   CPU"), run.out());
        assertTrue(run.out().contains("4k+1"), run.out());
        assertTrue(run.out().contains("with external data"), run.out());
        assertFalse(run.out().contains("Fixed size"), "dynamic frames and size: " + run.out());
    }

    @Test
    void infoShowsWhatAQuantizedGraphHolds(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        java.nio.file.Path w4 = Fixtures.overlaid(Fixtures.testResources().resolve("wan").resolve("tiny-wan21-w4"), tmp);
        Cli.Run run = Cli.kino("info", "--model", w4.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("denoiser (denoiser.onnx, fp32 in/out, int4-weight-only weights (mode w4, blocks of"
                + " 32, 3 layers kept fp32): onnxruntime MatMulNBits"), run.out());
        assertTrue(run.out().contains("    kept fp32: /condition_embedder/text_embedder/linear_1/MatMul, "), run.out());
        assertTrue(run.out().contains("text encoder (text_encoder.onnx, fp32 in/out, fp32 weights)"), run.out());
    }

    /**
     * Every precision mode's committed tiny Wan package renders through {@code kino generate}: the MP4 is the one the
     * library writes for that package (native size), and not the fp32 package's.
     */
    @Test
    void generateRendersEachPrecisionModesPackageAsTheLibraryDoes(@TempDir Path tmp) throws Exception {
        Path wan = Fixtures.testResources().resolve("wan");
        byte[] fp32 = generate(wan.resolve("tiny-wan21"), tmp.resolve("fp32.mp4"));
        for (String mode : List.of("int8", "w8", "w4", "fp16", "bf16")) {
            Path pkg = Fixtures.overlaid(wan.resolve("tiny-wan21-" + mode), tmp);
            byte[] cli = generate(pkg, tmp.resolve(mode + ".mp4"));
            dev.kino.pipeline.GenerationResult r;
            try (dev.kino.pipeline.TextToVideoPipeline kino = dev.kino.pipeline.TextToVideoPipeline.load(pkg,
                    dev.kino.runtime.Device.CPU)) {
                r = kino.generate(dev.kino.pipeline.GenerationRequest.builder("a red fox in the snow").steps(2).seed(7L)
                        .build(), e -> true);
            }
            Path library = tmp.resolve(mode + "-library.mp4");
            dev.kino.video.Mp4Writer.write(r.frames(), r.settings().fps(), library, 1);
            org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(library), cli,
                    mode + ": kino generate writes what the library writes");
            assertFalse(java.util.Arrays.equals(fp32, cli), mode + " rendered the fp32 package's video");
        }
    }

    private static byte[] generate(Path pkg, Path mp4) throws Exception {
        Cli.Run run = Cli.kino("generate", "a red fox in the snow", "--model", pkg.toString(), "--steps", "2", "--seed",
                "7", "--device", "cpu", "--upscale", "1", "-o", mp4.toString(), "-q");
        assertEquals(0, run.exitCode(), run.err());
        return Files.readAllBytes(mp4);
    }

    @Test
    void infoShowsThatAPackageWasImportedFromAGgufFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        java.nio.file.Path q4 = Fixtures.overlaid(Fixtures.testResources().resolve("wan").resolve("tiny-wan21-gguf-q4_0"), tmp);
        Cli.Run run = Cli.kino("info", "--model", q4.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("denoiser (denoiser.onnx, fp32 in/out, int4-weight-only weights (mode w4, blocks of"
                + " 32, 1 layer kept fp32): GGUF import: Q4_0 as 4-bit onnxruntime MatMulNBits blocks"), run.out());
        assertTrue(run.out().contains("kept fp32: /blocks.1/ffn/net.2/MatMul"), run.out());
    }

    @Test
    void infoShowsBothTextEncodersOfATwoEncoderModel() {
        Cli.Run run = Cli.kino("info", "--model", Fixtures.testResources().resolve("hunyuan").resolve("tiny-hunyuan").toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("Text       1. text_encoder.onnx with tokenizer.json: the prompt in a template (108 head"
                + " tokens cropped), 1000 tokens, hidden state -3 -> text embeddings"), run.out());
        assertTrue(run.out().contains("2. text_encoder_2.onnx with tokenizer_2.json: the prompt's quoted text (as \"Text"
                + " \"{}\"\"; none: zeros), 256 tokens -> encoder_hidden_states_2 + encoder_attention_mask_2"), run.out());
        assertTrue(run.out().contains("text encoder 2 (text_encoder_2.onnx, fp32 in/out, fp32 weights)"), run.out());
    }

    @Test
    void infoWithoutAModelDescribesTheBuiltInModelAndItsFixedSize() {
        Cli.Run run = Cli.kino("info");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("kino-demo"), run.out());
        assertTrue(run.out().contains("Fixed size denoiser.onnx takes sample: float32[batch, 18, 8, 8, 8] only: the model"
                + " makes 64x64, 16 frames"), run.out());
        assertTrue(run.out().contains("Pictures   first frame optional (--image or --continue-from)")
                && run.out().contains("VAE encoder on the whole clip"), run.out());
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : List.of("generate", "info", "schedulers")) {
            Cli.Run run = Cli.kino(cmd, "--help");
            assertEquals(0, run.exitCode(), cmd);
            assertTrue(run.out().contains("Usage: kino " + cmd), run.out());
        }
        Cli.Run top = Cli.kino("--help");
        assertEquals(0, top.exitCode());
        assertTrue(top.out().contains("generate") && top.out().contains("info"), top.out());
    }
}
