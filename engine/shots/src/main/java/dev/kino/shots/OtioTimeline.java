package dev.kino.shots;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;

/**
 * A {@link CutTimeline} as an OpenTimelineIO file ({@code .otio}, JSON): {@code Timeline.1} holding a
 * {@code Stack.1} of one video {@code Track.1} of {@code Clip.2}s, each with an {@code ExternalReference.1} to
 * its take and {@code TimeRange.1}/{@code RationalTime.1} ranges in frames at the cut's rate. Field names and
 * nesting follow OpenTimelineIO's serialized schema (its {@code otio.schema} JSON), so its readers and the
 * editors' importers open it.
 */
public final class OtioTimeline {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OtioTimeline() {
    }

    /** The timeline as pretty-printed OTIO JSON. */
    public static String json(CutTimeline cut) {
        ArrayNode clips = JSON.createArrayNode();
        for (CutTimeline.Clip c : cut.clips()) {
            ObjectNode ref = item("ExternalReference.1", "");
            ref.set("available_range", range(0, c.frames(), cut.fps()));
            ref.putNull("available_image_bounds");
            ref.put("target_url", c.media().toString());
            ObjectNode clip = composable("Clip.2", c.name());
            clip.set("source_range", range(c.in(), c.duration(), cut.fps()));
            clip.set("effects", JSON.createArrayNode());
            clip.set("markers", JSON.createArrayNode());
            clip.put("enabled", true);
            clip.putObject("media_references").set("DEFAULT_MEDIA", ref);
            clip.put("active_media_reference_key", "DEFAULT_MEDIA");
            clips.add(clip);
        }
        ObjectNode track = composition("Track.1", "V1", clips);
        track.put("kind", "Video");
        ArrayNode tracks = JSON.createArrayNode().add(track);
        ObjectNode timeline = item("Timeline.1", cut.name());
        timeline.set("global_start_time", time(0, cut.fps()));
        timeline.set("tracks", composition("Stack.1", "tracks", tracks));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(timeline) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    private static ObjectNode item(String schema, String name) {
        ObjectNode n = JSON.createObjectNode();
        n.put("OTIO_SCHEMA", schema);
        n.putObject("metadata");
        n.put("name", name);
        return n;
    }

    private static ObjectNode composable(String schema, String name) {
        return item(schema, name);
    }

    private static ObjectNode composition(String schema, String name, ArrayNode children) {
        ObjectNode n = item(schema, name);
        n.putNull("source_range");
        n.set("effects", JSON.createArrayNode());
        n.set("markers", JSON.createArrayNode());
        n.put("enabled", true);
        n.set("children", children);
        return n;
    }

    private static ObjectNode range(int start, int duration, int fps) {
        ObjectNode n = JSON.createObjectNode();
        n.put("OTIO_SCHEMA", "TimeRange.1");
        n.set("duration", time(duration, fps));
        n.set("start_time", time(start, fps));
        return n;
    }

    private static ObjectNode time(int frames, int fps) {
        ObjectNode n = JSON.createObjectNode();
        n.put("OTIO_SCHEMA", "RationalTime.1");
        n.put("rate", (double) fps);
        n.put("value", (double) frames);
        return n;
    }
}
