package dev.kino.bench.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.video.Mp4Reader;
import dev.kino.video.Mp4Writer;
import dev.kino.video.VideoFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scorer must read 100% on ground-truth clips (rendered by models/demo/data.py, written by
 * models/demo/write_scorer_fixture.py), both as raw frames and after a trip through the H.264 encoder.
 */
class ClipScorerTest {
    private static final Path GT = Path.of("src", "test", "resources", "demo-gt");

    record Clip(JsonNode params, VideoFrames frames) {
    }

    static List<Clip> groundTruth() throws IOException {
        JsonNode meta = new ObjectMapper().readTree(GT.resolve("clips.json").toFile());
        int n = meta.path("shape").get(0).asInt();
        int f = meta.path("shape").get(1).asInt();
        int h = meta.path("shape").get(2).asInt();
        int w = meta.path("shape").get(3).asInt();
        byte[] all;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(GT.resolve("clips.u8.gz")))) {
            all = in.readAllBytes();
        }
        assertEquals((long) n * f * h * w * 3, all.length);
        List<Clip> clips = new ArrayList<>();
        int frameBytes = h * w * 3;
        for (int i = 0; i < n; i++) {
            List<byte[]> frames = new ArrayList<>();
            for (int t = 0; t < f; t++) {
                byte[] rgb = new byte[frameBytes];
                System.arraycopy(all, (i * f + t) * frameBytes, rgb, 0, frameBytes);
                frames.add(rgb);
            }
            clips.add(new Clip(meta.path("clips").get(i), new VideoFrames(w, h, frames)));
        }
        return clips;
    }

    private static void assertReads(JsonNode p, ClipScorer.Measurement m, String how) {
        assertNotNull(m, how + ": an object is found in " + p);
        assertEquals(p.path("color").asText(), m.color(), how + " color of " + p);
        assertEquals(p.path("shape").asText(), m.shape(), how + " shape of " + p);
        assertEquals(p.path("direction").asText(), m.direction(), how + " direction of " + p);
        double truth = Math.hypot(p.path("vx").asDouble(), p.path("vy").asDouble()) * 15;
        assertEquals(truth, m.distance(), 0.15 * truth, how + " distance of " + p);
    }

    @Test
    void readsEveryGroundTruthClipExactly() throws IOException {
        List<Clip> clips = groundTruth();
        assertEquals(36, clips.size());
        for (Clip c : clips) {
            assertReads(c.params(), ClipScorer.measure(c.frames()), "raw");
        }
    }

    @Test
    void readsEveryGroundTruthClipAfterH264(@TempDir Path tmp) throws IOException {
        double slow = 0;
        double quick = 0;
        for (Clip c : groundTruth()) {
            Path mp4 = tmp.resolve("clip.mp4");
            Mp4Writer.write(c.frames(), 8, mp4, 1);
            ClipScorer.Measurement m = ClipScorer.measure(Mp4Reader.read(mp4).frames());
            assertReads(c.params(), m, "H.264");
            switch (c.params().path("speed").asText()) {
                case "slowly" -> slow += m.distance();
                case "quickly" -> quick += m.distance();
                default -> { }
            }
        }
        assertTrue(quick / slow > 2.5, "ground truth moves 2.75x as far when quickly: " + quick / slow);
    }
}
