package dev.kino.cli;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken model packages: one sentence that names the problem, nothing else on stderr. */
class PackageMessagesTest {
    @TempDir
    Path tmp;

    private Cli.Run generate(Path model) {
        return Cli.kino("generate", "a red circle", "--model", model.toString(), "-o", tmp.resolve("o.mp4").toString(),
                "-q", "--steps", "1");
    }

    private static void assertOneSentence(String err, String expected) {
        String s = err.strip();
        assertTrue(s.startsWith("kino: ") && s.contains(expected), s);
        assertEquals(1, s.lines().count(), "one line: " + s);
        assertFalse(s.contains("Exception"), s);
    }

    @Test
    void aUtf16ManifestIsNotUtf8Json() throws Exception {
        Path model = Fixtures.copy(Fixtures.UNET, tmp);
        String json = Files.readString(model.resolve("kino.json"));
        Files.write(model.resolve("kino.json"), ("\uFEFF" + json).getBytes(StandardCharsets.UTF_16LE));
        assertOneSentence(generate(model).err(), "is not UTF-8 JSON (it looks like UTF-16 or binary data)");
    }

    @Test
    void aBinaryManifestIsNotUtf8Json() throws Exception {
        Path model = Fixtures.copy(Fixtures.UNET, tmp);
        Files.write(model.resolve("kino.json"), new byte[] {(byte) 0x89, 'P', 'N', 'G', (byte) 0xC3, 0x28, 1});
        assertOneSentence(generate(model).err(), "is not UTF-8 JSON");
    }

    @Test
    void aManifestNamingFilesOutsideThePackageIsRefused() throws Exception {
        Path model = Fixtures.copy(Fixtures.UNET, tmp);
        Files.copy(model.resolve("tokenizer.json"), tmp.resolve("stolen.json"));
        String json = Files.readString(model.resolve("kino.json"))
                .replace("\"tokenizer\": \"tokenizer.json\"", "\"tokenizer\": \"../stolen.json\"");
        assertTrue(json.contains("../stolen.json"), "fixture manifest layout changed");
        Files.writeString(model.resolve("kino.json"), json);
        assertOneSentence(generate(model).err(), "names files outside the package (tokenizer file ../stolen.json)");
    }

    @Test
    void aMissingOnnxDataFileIsNamedWithoutNativeLogs() throws Exception {
        // ONNX Runtime logs to the process's own stderr, so this runs in a child JVM.
        Path model = Fixtures.copy(Fixtures.DIT_FLOW, tmp);
        Files.delete(model.resolve("denoiser.onnx_data"));
        ChildKino.Run run = ChildKino.run(tmp, List.of(), Map.of(), "generate", "a red circle", "--model",
                model.toString(), "-o", tmp.resolve("o.mp4").toString(), "-q");
        assertEquals(1, run.exitCode(), run.output());
        assertOneSentence(run.output(), "keeps its weights in " + model.resolve("denoiser.onnx_data") + ", which is missing");
    }
}
