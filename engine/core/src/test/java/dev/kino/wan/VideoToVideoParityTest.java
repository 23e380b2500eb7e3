package dev.kino.wan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.Fixtures;
import dev.kino.KinoException;
import dev.kino.ReferenceRuns;
import dev.kino.ReferenceTensors;
import dev.kino.image.RgbImage;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.StageTimings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.video.VideoFiles;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kino's video-to-video against diffusers' WanVideoToVideoPipeline run unchanged on a tiny real-architecture
 * Wan 2.1 package with its VAE encoder (engine/core/src/test/resources/wan-v2v/README.md): the source video
 * (written here into a lossless video file and read back through {@code sourceVideo}) encoded as diffusers
 * encodes it, the schedule cut by the strength, every step's latents within 1e-4 relative, frames within 1/255.
 */
class VideoToVideoParityTest {
    private static final Path DIR = Fixtures.testResources().resolve("wan-v2v");
    private static final ReferenceTensors REF = new ReferenceTensors(DIR.resolve("reference/reference.json"));
    private static final Path PACKAGE = DIR.resolve(REF.json().path("package").asText());

    @TempDir
    static Path tmp;
    private static Path source;

    /** The reference's source frames as a lossless (PNG-coded) Matroska file: FFmpeg decodes it to the same bytes. */
    @BeforeAll
    static void writeSource() throws Exception {
        source = tmp.resolve("source.mkv");
        writeLossless(sourceFrames(), source);
    }

    private static List<RgbImage> sourceFrames() {
        long[] s = REF.shape("source_u8");
        byte[] all = REF.uint8("source_u8");
        int size = (int) (s[1] * s[2] * 3);
        List<RgbImage> frames = new ArrayList<>();
        for (int f = 0; f < s[0]; f++) {
            frames.add(new RgbImage((int) s[2], (int) s[1], Arrays.copyOfRange(all, f * size, (f + 1) * size)));
        }
        return frames;
    }

    static void writeLossless(List<RgbImage> frames, Path file) throws Exception {
        RgbImage first = frames.get(0);
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), first.width(), first.height(), 0)) {
            r.setFormat("matroska");
            r.setVideoCodec(avcodec.AV_CODEC_ID_PNG);
            r.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            r.setFrameRate(8);
            r.start();
            for (RgbImage img : frames) {
                Frame f = new Frame(img.width(), img.height(), Frame.DEPTH_UBYTE, 3);
                ByteBuffer buf = (ByteBuffer) f.image[0];
                for (int y = 0; y < img.height(); y++) {
                    buf.position(y * f.imageStride);
                    buf.put(img.rgb(), y * img.width() * 3, img.width() * 3);
                }
                buf.rewind();
                r.record(f, avutil.AV_PIX_FMT_RGB24);
            }
            r.stop();
        }
    }

    private static GenerationRequest.Builder request(JsonNode c) {
        JsonNode j = REF.json();
        return GenerationRequest.builder(j.path("prompt").asText()).negativePrompt(j.path("negative_prompt").asText())
                .seed(j.path("seed").asLong()).steps(j.path("steps").asInt()).guidance(j.path("guidance").asDouble())
                .width(j.path("width").asInt()).height(j.path("height").asInt())
                .scheduler(c.path("scheduler").isNull() ? null : c.path("scheduler").asText())
                .sourceVideo(source).strength(c.path("strength").asDouble());
    }

    @Test
    void theLosslessSourceReadsBackToTheReferenceBytes() {
        List<RgbImage> read = VideoFiles.read(source, "source video", 100);
        List<RgbImage> want = sourceFrames();
        assertEquals(want.size(), read.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i).rgb(), read.get(i).rgb(), "frame " + i);
        }
    }

    @TestFactory
    List<DynamicTest> everyStepMatchesDiffusers() {
        List<DynamicTest> tests = new ArrayList<>();
        REF.json().path("cases").fields().forEachRemaining(e ->
                tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(e.getKey(), e.getValue()))));
        return tests;
    }

    private void check(String name, JsonNode c) {
        List<float[]> perStep = new ArrayList<>();
        List<Double> timesteps = new ArrayList<>();
        GenerationResult r;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(PACKAGE, Device.CPU)) {
            GenerationPlan plan = kino.plan(request(c).build());
            assertEquals(plan.steps() - c.path("timesteps").size(), plan.firstStep(), name + ": the cut schedule");
            r = kino.generate(plan, e -> {
                perStep.add(e.latents().copy());
                timesteps.add(e.timestep());
                return true;
            });
        }
        String base = "cases/" + name + "/";
        assertEquals(c.path("timesteps").size(), perStep.size(), name + ": steps run");
        for (int i = 0; i < timesteps.size(); i++) {
            assertEquals(c.path("timesteps").get(i).asDouble(), timesteps.get(i), 1e-3, name + " timestep " + i);
        }
        float worst = 0;
        for (int i = 0; i < perStep.size(); i++) {
            float[] want = REF.floats(base + "latents_" + i);
            float rel = ReferenceTensors.maxDiff(perStep.get(i), want) / ReferenceTensors.maxAbs(want);
            worst = Math.max(worst, rel);
            assertTrue(rel <= 1e-4f, name + " latents after step " + i + " differ by " + rel + " relative");
        }
        byte[] frames = REF.uint8(base + "frames_u8");
        assertEquals(REF.shape(base + "frames_u8")[1], r.frames().count(), "frame count");
        int levels = ReferenceRuns.worstLevels(r.frames(), frames);
        assertTrue(levels <= 1, name + " frames differ by " + levels + " levels");
        assertTrue(r.timings().wall().containsKey(StageTimings.VIDEO_ENCODE), "a video-encode stage");
        System.out.printf("Wan video-to-video parity %-10s per-step latents rel. diff <= %.2e, frames max diff %d/255%n",
                name, worst, levels);
    }

    /** The sentence planning {@code req} on {@code model} is refused with (also used by the VACE tests). */
    static String failure(Path model, GenerationRequest req) {
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(model, Device.CPU)) {
            return assertThrows(KinoException.class, () -> kino.plan(req)).getMessage();
        }
    }

    @Test
    void badSourcesAreOneSentenceBeforeAnyWork(@TempDir Path dir) throws Exception {
        JsonNode c = REF.json().path("cases").path("unipc-0.5");
        List<String> messages = new ArrayList<>();
        messages.add(failure(PACKAGE, request(c).strength(0.0).build()));
        assertTrue(messages.get(0).contains("above 0 and at most 1"), messages.get(0));
        messages.add(failure(PACKAGE, request(c).strength(1.5).build()));             // the schema's limits
        assertTrue(messages.get(1).contains("strength must be a number from 0 to 1"), messages.get(1));
        messages.add(failure(PACKAGE, request(c).strength(0.1).build()));          // int(4 x 0.1) = 0 steps
        assertTrue(messages.get(2).contains("leaves no step"), messages.get(2));
        messages.add(failure(PACKAGE, request(c).frames(5).build()));
        assertTrue(messages.get(3).contains("has 9 frames but 5 were asked for"), messages.get(3));
        Path eight = dir.resolve("eight.mkv");
        writeLossless(sourceFrames().subList(0, 8), eight);
        messages.add(failure(PACKAGE, request(c).sourceVideo(eight).build()));
        assertTrue(messages.get(4).contains("cut it to 9 frames"), messages.get(4));
        Path junk = dir.resolve("junk.mp4");
        Files.writeString(junk, "not a video");
        messages.add(failure(PACKAGE, request(c).sourceVideo(junk).build()));
        assertTrue(messages.get(5).contains("cannot be read as a video"), messages.get(5));
        messages.add(failure(PACKAGE, request(c).sourceVideo(dir.resolve("missing.mp4")).build()));
        assertTrue(messages.get(6).contains("does not exist"), messages.get(6));
        messages.add(failure(withoutEncoder(dir.resolve("no-encoder")), request(c).build()));
        assertTrue(messages.get(7).contains("has no VAE encoder"), messages.get(7));
        messages.add(failure(PACKAGE, GenerationRequest.builder("a fox").strength(0.5).build()));
        assertTrue(messages.get(8).contains("--source-video"), messages.get(8));
        for (String m : messages) {
            assertTrue(m.endsWith(".") && m.indexOf(". ") < 0, "one sentence: " + m);
        }
    }

    /** The package as exported before text models got their VAE encoder: kino.json without {@code vae_encoder}. */
    private static Path withoutEncoder(Path into) throws Exception {
        Files.createDirectories(into);
        try (var files = Files.list(PACKAGE)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().startsWith("vae_encoder")) {
                    Files.copy(f, into.resolve(f.getFileName()));
                }
            }
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode m =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(into.resolve("kino.json").toFile());
        m.remove("vae_encoder");
        json.writeValue(into.resolve("kino.json").toFile(), m);
        return into;
    }

    @Test
    void aPlanReadBackFromJsonRereadsItsSourceAndRendersTheSame(@TempDir Path dir) throws Exception {
        JsonNode c = REF.json().path("cases").path("unipc-0.5");
        Path copy = dir.resolve("copy.mkv");
        Files.copy(source, copy);
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(PACKAGE, Device.CPU)) {
            GenerationPlan plan = kino.plan(request(c).sourceVideo(copy).build());
            GenerationPlan back = GenerationPlan.fromJson(plan.toJson());
            assertEquals(plan, back);
            assertTrue(!plan.fingerprint().equals(kino.plan(request(c).strength(0.8).build()).fingerprint()),
                    "the strength decides the output");
            assertArrayEquals(kino.generate(plan, e -> true).latents().data(),
                    kino.generate(back, e -> true).latents().data(), 0f);
            String json = plan.toJson();
            Files.delete(copy);
            String gone = assertThrows(KinoException.class, () -> GenerationPlan.fromJson(json)).getMessage();
            assertTrue(gone.contains("is gone"), gone);
        }
    }
}
