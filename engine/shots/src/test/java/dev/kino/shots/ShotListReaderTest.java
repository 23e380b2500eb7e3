package dev.kino.shots;

import dev.kino.KinoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShotListReaderTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("../..").normalize();

    @Test
    void theDocumentedExampleExpandsAsTheDocSays() throws IOException {
        String doc = Files.readString(ROOT.resolve("examples/shots/README.md"));
        Matcher m = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(m.find());
        assertEquals(Files.readString(ROOT.resolve("examples/shots/chase.json")), m.group(1),
                "the doc shows examples/shots/chase.json verbatim");

        ShotList list = ShotListReader.read(ROOT.resolve("examples/shots/chase.json"));
        assertEquals("chase", list.project());
        assertEquals(2026, list.seed());
        List<Take> takes = list.takes();
        assertEquals(7, takes.size());
        // Seeds from the doc's table, computed there with Python's hashlib (an independent implementation).
        assertEquals(517214317918516L, takes.get(0).seed());
        assertEquals(5221725505565277L, takes.get(1).seed());
        assertEquals(3946191842421754L, takes.get(2).seed());
        assertEquals(2861991823717563L, takes.get(3).seed());
        assertEquals(List.of(7L, 42L, 1234L), takes.subList(4, 7).stream().map(Take::seed).toList());
        assertEquals(16, takes.get(2).request().frames(), "2 seconds at 8 fps");
        assertNull(takes.get(0).request().frames(), "the model's default");
        assertEquals(12, takes.get(6).request().steps(), "from defaults");
        assertEquals(4.5, takes.get(6).request().guidance());
        assertEquals("03-escape/take-03", takes.get(6).key());
        // Hashes computed with the doc's rule in Python.
        assertEquals("6dd09f6f7e4c3ebccce7b8c1487695f97245bea1fb6fb8f6fc147f8f63ff864d", takes.get(0).requestHash());
        assertEquals("ce8ed2bc21b2b45daea856ab301452980a45492a74ee018085b7314378ac40ae", takes.get(4).requestHash());
    }

    @Test
    void yamlReadsLikeJson() {
        List<Take> json = ShotListReader.read(ROOT.resolve("examples/shots/chase.json")).takes();
        List<Take> yaml = ShotListReader.read(ROOT.resolve("examples/shots/chase.yaml")).takes();
        assertEquals(json.stream().map(Take::requestHash).toList(), yaml.stream().map(Take::requestHash).toList());
    }

    @Test
    void derivedSeedsDependOnTheShotNameNotItsPosition() {
        ShotList a = parse("{\"project\":\"p\",\"seed\":5,\"shots\":[{\"name\":\"x\",\"prompt\":\"a\"},{\"name\":\"y\",\"prompt\":\"b\"}]}");
        ShotList b = parse("{\"project\":\"p\",\"seed\":5,\"shots\":[{\"name\":\"y\",\"prompt\":\"b\"},{\"name\":\"x\",\"prompt\":\"a\"}]}");
        assertEquals(a.shot("x").seeds(), b.shot("x").seeds());
        assertEquals(a.takes().get(0).requestHash(), b.takes().get(1).requestHash());
        ShotList other = parse("{\"project\":\"p\",\"seed\":6,\"shots\":[{\"name\":\"x\",\"prompt\":\"a\"}]}");
        assertTrue(!other.shot("x").seeds().equals(a.shot("x").seeds()), "another project seed, other seeds");
    }

    @Test
    void everyProblemIsReportedAtOnceWithLineAndField() {
        String text = """
                {
                  "project": "p",
                  "shots": [
                    { "name": "one", "prompt": "a red circle",
                      "stpes": 10,
                      "frames": 16, "seconds": 2, "fps": 8 },
                    { "name": "one", "prompt": "",
                      "scheduler": "warp-drive",
                      "guidance": "high",
                      "takes": 2, "seeds": [1, 2, 3] },
                    { "name": "../etc", "prompt": "x", "width": -4 }
                  ]
                }
                """;
        ShotListException e = assertThrows(ShotListException.class,
                () -> ShotListReader.parse(text, "bad.json", ShotListReader.Format.JSON));
        List<String> problems = e.problems().stream().map(Object::toString).toList();
        assertTrue(problems.contains("line 5, shots[0].stpes: is not a shot-list field (did you mean \"steps\"?); "
                + "known fields: name, prompt, negative, steps, scheduler, guidance, noise_kernel, frames, width, height, "
                + "fps, image, last_image, fit, lora, lora_strength, source_video, strength, reference_image, control_video, "
                + "mask_video, conditioning_scale, model, seconds, takes, seeds, continue_from, source_video_from, "
                + "control_video_from, pick"), problems.toString());
        assertTrue(problems.contains("line 4, shots[0]: gives both \"frames\" and \"seconds\"; keep one"), problems.toString());
        assertTrue(problems.contains("line 7, shots[1].prompt: is empty; describe the video to make"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("line 8, shots[1].scheduler: must be one of ddim, ") && p.endsWith(", not \"warp-drive\"")), problems.toString());
        assertTrue(problems.contains("line 9, shots[1].guidance: must be a number from 0 to 100, not \"high\""), problems.toString());
        assertTrue(problems.contains("line 10, shots[1].takes: is 2 but \"seeds\" lists 3; give one seed per take or leave \"takes\" out"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("line 11, shots[2].name: \"../etc\" may hold only")), problems.toString());
        assertTrue(problems.contains("line 11, shots[2].width: must be a whole number from 1 to 8192, not -4"), problems.toString());
        assertEquals(8, problems.size(), problems.toString());
        assertTrue(e.getMessage().startsWith("The shot list bad.json has 8 problems: line 5, shots[0].stpes"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; fix them and run again."));
    }

    @Test
    void duplicateNamesAndMissingFieldsAreNamed() {
        ShotListException e = assertThrows(ShotListException.class, () -> ShotListReader.parse("""
                project: p
                shots:
                  - name: a
                    prompt: x
                  - name: a
                    seconds: 2
                """, "bad.yaml", ShotListReader.Format.YAML));
        List<String> problems = e.problems().stream().map(Object::toString).toList();
        assertEquals(List.of("line 5, shots[1]: \"prompt\" is missing",
                "line 6, shots[1].seconds: needs \"fps\" (on the shot or in \"defaults\") to become a frame count"), problems);
    }

    @Test
    void syntaxErrorsNameTheirLine() {
        ShotListException e = assertThrows(ShotListException.class, () -> ShotListReader.parse(
                "{\n  \"project\": \"p\",\n  \"shots\": [ {\"name\": \"a\" \"prompt\": \"x\"} ]\n}", "s.json",
                ShotListReader.Format.JSON));
        assertEquals(1, e.problems().size());
        assertEquals(3, e.problems().get(0).line());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        assertThrows(ShotListException.class, () -> ShotListReader.parse("", "empty.json", ShotListReader.Format.JSON));
        assertThrows(ShotListException.class, () -> ShotListReader.parse("[1]", "arr.json", ShotListReader.Format.JSON));
    }

    @Test
    void missingAndHugeFilesAreOneSentence(@TempDir Path dir) throws IOException {
        KinoException missing = assertThrows(KinoException.class, () -> ShotListReader.read(dir.resolve("none.json")));
        assertTrue(missing.getMessage().contains("does not exist"));
        Path huge = dir.resolve("huge.json");
        Files.write(huge, new byte[ShotListReader.MAX_BYTES + 1]);
        assertTrue(assertThrows(KinoException.class, () -> ShotListReader.read(huge)).getMessage().contains("larger than"));
    }

    private static ShotList parse(String json) {
        return ShotListReader.parse(json, "test", ShotListReader.Format.JSON);
    }
}
