package dev.kino.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.video.DeliveryWriter;
import dev.kino.video.VideoProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cut for an editor: its OpenTimelineIO timeline and EDL reference the picks; its ProRes copy is 422 HQ. */
class CutExportTest {
    @TempDir
    Path data;
    @TempDir
    Path tmp;

    @Test
    void theCutExportsATimelineAnEdlAndProResThatMatchThePicks() throws Exception {
        try (TestServer s = new TestServer(data)) {
            String id = s.call("POST", "/api/projects", """
                    project: edit me
                    seed: 2
                    defaults: {steps: 2, takes: 2}
                    shots:
                      - {name: a, prompt: a red circle moving right}
                      - {name: b, prompt: a blue square moving left}
                    """, "Content-Type", "application/yaml").json().path("id").asText();
            JsonNode p = s.await("/api/projects/" + id, x -> x.path("finished").asInt() == 4, 120);
            List<byte[]> picked = new ArrayList<>();
            List<Integer> frames = new ArrayList<>();
            for (JsonNode shot : p.path("shots")) {
                JsonNode take = shot.path("takes").get(1); // the second take of each shot
                s.call("PUT", "/api/projects/" + id + "/picks/" + shot.path("name").asText(),
                        "{\"job\": \"" + take.path("id").asText() + "\"}");
                picked.add(s.call("GET", take.path("video").asText(), null).raw().body());
                frames.add(take.path("frames").asInt());
            }
            assertEquals(400, s.call("POST", "/api/projects/" + id + "/cut?format=png16", null).status());

            TestServer.Reply cut = s.call("POST", "/api/projects/" + id + "/cut?format=prores", null);
            assertEquals(200, cut.status(), cut.body());
            String base = "/api/projects/" + id + "/cut/";
            assertEquals(base + "otio", cut.json().path("otio").asText());
            assertEquals(base + "prores", cut.json().path("prores").asText());

            // The timeline's clips are the picked takes' files, whole, in shot order.
            JsonNode otio = TestServer.JSON.readTree(s.call("GET", base + "otio", null).body());
            assertEquals("Timeline.1", otio.path("OTIO_SCHEMA").asText());
            assertEquals("edit me", otio.path("name").asText());
            JsonNode clips = otio.path("tracks").path("children").get(0).path("children");
            assertEquals(2, clips.size());
            for (int i = 0; i < 2; i++) {
                JsonNode c = clips.get(i);
                assertEquals("Clip.2", c.path("OTIO_SCHEMA").asText());
                assertTrue(c.path("name").asText().startsWith(List.of("a", "b").get(i) + " ("), c.toString());
                assertEquals(frames.get(i), c.path("source_range").path("duration").path("value").asInt());
                assertEquals(0, c.path("source_range").path("start_time").path("value").asInt());
                assertEquals(8.0, c.path("source_range").path("duration").path("rate").asDouble());
                Path media = Path.of(URI.create(c.path("media_references").path("DEFAULT_MEDIA").path("target_url").asText()));
                assertArrayEquals(picked.get(i), Files.readAllBytes(media), "the clip is the picked take's file");
            }

            // The EDL: one event per pick, source in/out the whole take, record times back to back.
            String edl = s.call("GET", base + "edl", null).body();
            List<String> events = edl.lines().filter(l -> l.matches("\\d{3}  .*")).toList();
            assertEquals(List.of(
                    "001  AX       V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00",
                    "002  AX       V     C        00:00:00:00 00:00:02:00 01:00:02:00 01:00:04:00"), events,
                    "16-frame takes at 8 fps: " + frames);
            assertTrue(edl.contains("* FROM CLIP NAME: a (") && edl.contains("* FROM CLIP NAME: b ("), edl);

            Path mov = Files.write(tmp.resolve("cut.mov"), s.call("GET", base + "prores", null).raw().body());
            assertEquals(new VideoProbe.Info("prores", DeliveryWriter.PRORES_HQ, "yuv422p10le", 256, 256,
                    frames.get(0) + frames.get(1)), VideoProbe.probe(mov));
        }
    }
}
