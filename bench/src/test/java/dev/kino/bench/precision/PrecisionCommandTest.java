package dev.kino.bench.precision;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kino.bench.Bench;
import dev.kino.sweep.io.BenchJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrecisionCommandTest {

    /**
     * The fp32 package as its own variant renders the same video (PSNR infinite, distance 0); the committed
     * int8 package of the same model renders close to it but not equal, with its manifest's weights named.
     */
    @Test
    void eachVariantIsComparedWithTheFp32PackageOnTheSamePromptsAndSeeds(@TempDir Path tmp) throws Exception {
        Path wan = Bench.fixture("x").getParent().resolveSibling("wan");
        Path fp32 = wan.resolve("tiny-wan21");
        Path int8 = Files.createDirectories(tmp.resolve("tiny-wan21-int8"));
        for (Path from : new Path[] {fp32, wan.resolve("tiny-wan21-int8")}) {   // the fixture is an overlay of tiny-wan21
            try (var files = Files.list(from)) {
                for (Path f : files.toList()) {
                    Files.copy(f, int8.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path prompts = Files.writeString(tmp.resolve("prompts.txt"), "# one prompt\nA red fox runs through fresh snow.\n");
        Path json = tmp.resolve("precision.json");
        Bench.Run r = Bench.ok("precision", "--model", fp32.toString(), "--variant", "same=" + fp32,
                "--variant", "int8=" + int8, "--prompts", prompts.toString(), "--seeds", "3", "--steps", "3",
                "--device", "cpu", "--json", json.toString());
        assertTrue(r.out().contains("variant") && r.out().contains("int8       int8"), r.out());
        JsonNode rows = BenchJson.MAPPER.readTree(json.toFile());
        assertEquals(2, rows.size(), rows.toString());
        JsonNode same = rows.get(0);
        assertEquals("fp32", same.get("weights").asText());
        assertEquals(0.0, same.get("latent_distance").asDouble(), "the same package renders the same latents");
        JsonNode q = rows.get(1);
        assertEquals("int8", q.get("weights").asText());
        double d = q.get("latent_distance").asDouble();
        assertTrue(d > 0 && d < 0.01, "int8 latents within 1% of fp32 but not equal: " + d);
        assertTrue(q.get("psnr_db").asDouble() > 45, q.toString());
    }
}
