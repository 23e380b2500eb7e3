package dev.kino.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.video.DeliveryWriter;
import dev.kino.video.VideoProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kino render --format prores|png16}: the editor's copy of every take beside its H.264 preview. */
class RenderFormatsTest {
    @TempDir
    Path tmp;

    @Test
    void proResAndPng16TakesBesideThePreviewsAndARecordSayingWhere() throws Exception {
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "deliver", "seed": 5, "defaults": {"steps": 2, "takes": 1},
                 "shots": [{"name": "a", "prompt": "a red circle moving right", "fps": 12}]}
                """);
        Path out = tmp.resolve("out");
        Cli.Run prores = Cli.kino("render", list.toString(), "--out", out.toString(), "--format", "prores", "-q");
        assertEquals(0, prores.exitCode(), prores.err());
        Path mp4 = out.resolve("01-a/take-01.mp4");
        VideoProbe.Info preview = VideoProbe.probe(mp4);
        assertEquals("h264", preview.codec(), "the preview stays H.264");
        VideoProbe.Info mov = VideoProbe.probe(out.resolve("01-a/take-01.mov"));
        assertEquals(new VideoProbe.Info("prores", DeliveryWriter.PRORES_HQ, "yuv422p10le", 64, 64,
                preview.frames()), mov, "ProRes 422 HQ at the model's own size, every frame");

        JsonNode record = new ObjectMapper().readTree(out.resolve("01-a/take-01.json").toFile());
        assertEquals(List.of("project", "shot", "take", "seed", "model", "request_hash", "plan_fingerprint", "settings",
                "host", "device"),
                iterable(record.fieldNames()));
        assertEquals("cpu", record.path("device").asText());
        assertTrue(record.path("model").isNull(), "the built-in model");
        assertFalse(record.path("host").asText().isEmpty());

        // The same take as 16-bit PNGs: the take has no PNGs yet, so it renders again (nothing else changes).
        Cli.Run png = Cli.kino("render", list.toString(), "--out", out.toString(), "--format", "png16", "-q");
        assertEquals(0, png.exitCode(), png.err());
        assertTrue(png.out().contains("Rendered 1 take, kept 0"), png.out());
        Path frames = out.resolve("01-a/take-01");
        try (Stream<Path> files = Files.list(frames)) {
            assertEquals(preview.frames(), files.count());
        }
        assertEquals(new VideoProbe.Info("png", VideoProbe.probe(frames.resolve("frame-0001.png")).profile(),
                "rgb48be", 64, 64, 1), VideoProbe.probe(frames.resolve("frame-0001.png")));
        Cli.Run again = Cli.kino("render", list.toString(), "--out", out.toString(), "--format", "png16", "-q");
        assertTrue(again.out().contains("Rendered 0 takes, kept 1"), again.out());

        Cli.Run bad = Cli.kino("render", list.toString(), "--out", out.toString(), "--format", "dnxhd");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("Unknown format \"dnxhd\"; choose one of mp4, prores, png16."), bad.err());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> names = new java.util.ArrayList<>();
        it.forEachRemaining(names::add);
        return names;
    }
}
