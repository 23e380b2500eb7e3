package dev.kino.shots;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cut as OpenTimelineIO and CMX 3600: checked field by field against the schemas, event by event. */
class CutTimelineTest {
    static final CutTimeline CUT = new CutTimeline("chase", 8, List.of(
            CutTimeline.Clip.whole("opening take 2", URI.create("file:///data/videos/a.mp4"), 16),
            new CutTimeline.Clip("pursuit take 1", URI.create("file:///data/videos/b.mp4"), 100, 4, 90),
            CutTimeline.Clip.whole("escape take 3", URI.create("file:///data/videos/c.mp4"), 9)));

    @Test
    void otioIsTimelineStackTrackClipsWithExternalReferencesAndRationalRanges() throws Exception {
        JsonNode t = new ObjectMapper().readTree(OtioTimeline.json(CUT));
        assertEquals("Timeline.1", t.path("OTIO_SCHEMA").asText());
        assertEquals("chase", t.path("name").asText());
        assertTime(t.path("global_start_time"), 0, 8);
        JsonNode stack = t.path("tracks");
        assertEquals("Stack.1", stack.path("OTIO_SCHEMA").asText());
        assertEquals(1, stack.path("children").size());
        JsonNode track = stack.path("children").get(0);
        assertEquals("Track.1", track.path("OTIO_SCHEMA").asText());
        assertEquals("Video", track.path("kind").asText());
        JsonNode clips = track.path("children");
        assertEquals(3, clips.size());
        for (int i = 0; i < 3; i++) {
            CutTimeline.Clip want = CUT.clips().get(i);
            JsonNode c = clips.get(i);
            assertEquals("Clip.2", c.path("OTIO_SCHEMA").asText());
            assertEquals(want.name(), c.path("name").asText());
            assertRange(c.path("source_range"), want.in(), want.out() - want.in(), 8);
            assertEquals("DEFAULT_MEDIA", c.path("active_media_reference_key").asText());
            JsonNode ref = c.path("media_references").path("DEFAULT_MEDIA");
            assertEquals("ExternalReference.1", ref.path("OTIO_SCHEMA").asText());
            assertEquals(want.media().toString(), ref.path("target_url").asText());
            assertRange(ref.path("available_range"), 0, want.frames(), 8);
            for (JsonNode item : List.of(c, track, stack)) {
                assertTrue(item.path("metadata").isObject() && item.path("effects").isArray()
                        && item.path("markers").isArray() && item.path("enabled").asBoolean(), item.toString());
            }
        }
        assertEquals(List.of("OTIO_SCHEMA", "metadata", "name", "source_range", "effects", "markers", "enabled",
                "media_references", "active_media_reference_key"), names(clips.get(0)));
    }

    @Test
    void edlEventsAreThePicksWithTheirInAndOutPoints() {
        String edl = CmxEdl.text(CUT);
        List<String> lines = edl.lines().toList();
        assertEquals("TITLE: chase", lines.get(0));
        assertEquals("FCM: NON-DROP FRAME", lines.get(1));
        List<String[]> events = lines.stream().filter(l -> l.matches("\\d{3}  .*")).map(l -> l.split("\\s+")).toList();
        assertEquals(3, events.size());
        // 8 fps: 16 frames = 2 s; pursuit from frame 4 (00:00:00:04) to 90 (00:00:11:02); record from 01:00:00:00.
        assertEquals(List.of("001", "AX", "V", "C", "00:00:00:00", "00:00:02:00", "01:00:00:00", "01:00:02:00"),
                List.of(events.get(0)));
        assertEquals(List.of("002", "AX", "V", "C", "00:00:00:04", "00:00:11:02", "01:00:02:00", "01:00:12:06"),
                List.of(events.get(1)));
        assertEquals(List.of("003", "AX", "V", "C", "00:00:00:00", "00:00:01:01", "01:00:12:06", "01:00:13:07"),
                List.of(events.get(2)));
        assertTrue(edl.contains("001  AX       V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00\n"
                + "* FROM CLIP NAME: opening take 2\n* SOURCE FILE: /data/videos/a.mp4\n"), edl);
        assertEquals("01:02:03:04", CmxEdl.timecode(((3600 + 2 * 60 + 3) * 24) + 4, 24));
    }

    @Test
    void aClipOutsideItsTakeIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new CutTimeline.Clip("x", URI.create("file:///x.mp4"), 10, 0, 11));
    }

    private static void assertRange(JsonNode range, int start, int duration, int fps) {
        assertEquals("TimeRange.1", range.path("OTIO_SCHEMA").asText());
        assertTime(range.path("start_time"), start, fps);
        assertTime(range.path("duration"), duration, fps);
    }

    private static void assertTime(JsonNode time, int value, int fps) {
        assertEquals("RationalTime.1", time.path("OTIO_SCHEMA").asText());
        assertEquals(fps, time.path("rate").asDouble());
        assertEquals(value, time.path("value").asDouble());
        assertTrue(time.path("rate").isDouble() && time.path("value").isDouble(), "OTIO writes rates and values as floats");
    }

    private static List<String> names(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
