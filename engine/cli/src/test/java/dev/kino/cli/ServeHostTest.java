package dev.kino.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kino serve --host 0.0.0.0} warns in one sentence and never prints a token URL on 0.0.0.0. */
class ServeHostTest {
    @TempDir
    Path tmp;

    @Test
    void listeningOnEveryInterfaceWarnsAndShowsAnAddressToOpen() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KinoCli.class.getName(), "serve", "--host", "0.0.0.0",
                "--port", "0", "--devices", "cpu", "--data", tmp.resolve("data").toString())
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("Open ")) {
                    break;
                }
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        List<String> warnings = lines.stream().filter(l -> l.startsWith("Warning: --host 0.0.0.0")).toList();
        assertEquals(1, warnings.size(), String.join("\n", lines));
        assertTrue(warnings.get(0).endsWith("unless this network is trusted."), warnings.get(0));
        String open = lines.get(lines.size() - 1);
        assertTrue(open.startsWith("Open http://127.0.0.1:") && open.contains("/#token="), open);
        assertFalse(String.join("\n", lines).contains("http://0.0.0.0"), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.contains("(listening on 0.0.0.0)")), String.join("\n", lines));
    }
}
