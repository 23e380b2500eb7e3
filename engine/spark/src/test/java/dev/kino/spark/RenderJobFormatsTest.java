package dev.kino.spark;

import dev.kino.video.DeliveryWriter;
import dev.kino.video.VideoProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RenderJob's {@code --format} is {@code kino render}'s (the choices come from {@code DeliveryFormat}): ProRes 422 HQ
 * and 16-bit PNG takes beside the H.264 previews, checked with FFmpeg's own probe, and {@code --resume} renders a
 * take again only when its deliverable is missing.
 */
class RenderJobFormatsTest {
    @TempDir
    Path tmp;

    @Test
    void proResAndPng16TakesBesideThePreviews() throws Exception {
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "deliver", "seed": 5, "defaults": {"steps": 2, "takes": 1},
                 "shots": [{"name": "a", "prompt": "a red circle moving right", "fps": 12}]}
                """);
        Path out = tmp.resolve("out");
        RenderJob.Summary prores = RenderJobTest.render(null, "--shots", list.toString(), "--out", out.toString(),
                "--format", "prores");
        assertEquals(1, prores.count(RenderOutcome.RENDERED), prores.outcomes().toString());
        VideoProbe.Info preview = VideoProbe.probe(out.resolve("01-a/take-01.mp4"));
        assertEquals("h264", preview.codec(), "the preview stays H.264");
        assertEquals(new VideoProbe.Info("prores", DeliveryWriter.PRORES_HQ, "yuv422p10le", 64, 64, preview.frames()),
                VideoProbe.probe(out.resolve("01-a/take-01.mov")), "ProRes 422 HQ at the model's own size, every frame");

        // 16-bit PNGs of the same take: it has none yet, so --resume renders it again.
        RenderJob.Summary png = RenderJobTest.render(null, "--shots", list.toString(), "--out", out.toString(),
                "--format", "png16", "--resume");
        assertEquals(1, png.count(RenderOutcome.RENDERED), png.outcomes().toString());
        Path frames = out.resolve("01-a/take-01");
        try (Stream<Path> files = Files.list(frames)) {
            assertEquals(preview.frames(), files.filter(f -> f.toString().endsWith(".png")).count());
        }
        Path first = frames.resolve("frame-0001.png");
        assertEquals(new VideoProbe.Info("png", VideoProbe.probe(first).profile(), "rgb48be", 64, 64, 1),
                VideoProbe.probe(first));
        try (Stream<Path> files = Files.list(frames)) {
            assertEquals(0, files.filter(f -> f.getFileName().toString().startsWith(".")).count(), "no temporary files");
        }
        RenderJob.Summary kept = RenderJobTest.render(null, "--shots", list.toString(), "--out", out.toString(),
                "--format", "png16", "--resume");
        assertEquals(1, kept.count(RenderOutcome.KEPT), kept.outcomes().toString());

        RenderJobTest.Run bad = RenderJobTest.command("--shots", list.toString(), "--out", tmp.resolve("b").toString(),
                "--format", "dnxhd");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("Unknown format \"dnxhd\"; choose one of mp4, prores, png16."), bad.err());
        String help = new CommandLine(new RenderJob()).getUsageMessage();
        assertTrue(help.contains("mp4, prores, png16"), help);
    }
}
