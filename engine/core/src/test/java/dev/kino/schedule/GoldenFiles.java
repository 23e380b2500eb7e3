package dev.kino.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Loads the scheduler golden files from the test resources and reads their float arrays exactly. */
final class GoldenFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GoldenFiles() {
    }

    /** Every {@code golden/schedulers_*.json} on the test classpath, sorted by name. */
    static List<File> schedulerFiles() throws IOException, URISyntaxException {
        URL dir = GoldenFiles.class.getResource("/golden");
        if (dir == null) {
            throw new IOException("test resource folder golden/ is missing");
        }
        File[] files = new File(dir.toURI()).listFiles((d, n) -> n.startsWith("schedulers_") && n.endsWith(".json"));
        if (files == null || files.length == 0) {
            throw new IOException("no golden/schedulers_*.json files");
        }
        Arrays.sort(files);
        return List.of(files);
    }

    static JsonNode read(File f) throws IOException {
        return JSON.readTree(f);
    }

    /** A float32 array as written (shortest round-trip decimals; null means NaN). */
    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = array.get(i);
            out[i] = v.isNull() ? Float.NaN : Float.parseFloat(v.asText());
        }
        return out;
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = array.get(i);
            out[i] = v.isNull() ? Double.NaN : v.asDouble();
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(JsonNode object) {
        return JSON.convertValue(object, Map.class);
    }
}
