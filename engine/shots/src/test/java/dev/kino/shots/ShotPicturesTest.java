package dev.kino.shots;

import dev.kino.image.Fit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shots that start from a picture, end on one, or continue from another shot's take. */
class ShotPicturesTest {

    @Test
    void picturesResolveAgainstTheListsFolderAndTheirBytesDecideTheHash(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("boards"));
        Files.write(dir.resolve("boards/a.png"), new byte[]{1, 2, 3});
        Files.write(dir.resolve("boards/b.png"), new byte[]{1, 2, 3});
        Files.write(dir.resolve("boards/c.png"), new byte[]{9});
        String shot = "{\"name\":\"s\",\"prompt\":\"p\",\"seeds\":[1],\"image\":\"boards/%s\"%s}";
        Take a = only(dir, shot.formatted("a.png", ""));
        assertEquals(dir.resolve("boards/a.png").toAbsolutePath().normalize(), a.request().image());
        assertNull(a.request().fit(), "unset: the core's default (crop)");
        assertEquals(a.requestHash(), only(dir, shot.formatted("b.png", "")).requestHash(), "same bytes, same take");
        assertEquals(a.requestHash(), only(dir, shot.formatted("a.png", ",\"fit\":\"crop\"")).requestHash(),
                "crop is the default");
        assertNotEquals(a.requestHash(), only(dir, shot.formatted("c.png", "")).requestHash(), "other bytes");
        Take padded = only(dir, shot.formatted("a.png", ",\"fit\":\"pad\""));
        assertEquals(Fit.PAD, padded.request().fit());
        assertNotEquals(a.requestHash(), padded.requestHash());
        String textOnly = Take.hash(null, only(dir, "{\"name\":\"s\",\"prompt\":\"p\",\"seeds\":[1]}").request());
        assertNotEquals(textOnly, a.requestHash());

        // Same name, new bytes: the take is no longer the one rendered (resume must not reuse it).
        String before = only(dir, shot.formatted("a.png", "")).requestHash();
        Files.write(dir.resolve("boards/a.png"), new byte[]{4, 5, 6});
        assertNotEquals(before, only(dir, shot.formatted("a.png", "")).requestHash());

        Files.write(dir.resolve("boards/end.png"), new byte[]{7});
        Take both = only(dir, shot.formatted("a.png", ",\"last_image\":\"boards/end.png\",\"fit\":\"stretch\""));
        assertEquals(dir.resolve("boards/end.png").toAbsolutePath().normalize(), both.request().lastImage());
    }

    @Test
    void continuationsRenderAfterTheirSourceAndCarryItsPickedTake(@TempDir Path dir) {
        String text = """
                {"project": "p", "seed": 1, "shots": [
                  {"name": "second", "prompt": "b", "continue_from": "first", "takes": 2},
                  {"name": "first", "prompt": "a", "takes": 3, "pick": 2},
                  {"name": "third", "prompt": "c", "continue_from": "second"}
                ]}""";
        ShotList list = ShotListReader.parse(text, "t", ShotListReader.Format.JSON, PictureFiles.relativeTo(dir));
        List<Take> cut = list.takes();
        assertEquals(List.of("second", "second", "first", "first", "first", "third"),
                cut.stream().map(t -> t.shot().name()).toList(), "takes() keeps cut order");
        List<Take> order = list.renderOrder();
        assertEquals(List.of("first", "first", "first", "second", "second", "third"),
                order.stream().map(t -> t.shot().name()).toList(), "sources render first");
        Take second = cut.get(0);
        assertEquals("first", second.source().shot().name());
        assertEquals(2, second.source().take(), "the source shot's pick");
        assertEquals(1, cut.get(5).source().take(), "no pick: take 1");
        assertNull(second.request().continueFrom(), "the renderer supplies the video");
        assertEquals(Path.of("x.mp4"), second.continuing(Path.of("x.mp4")).continueFrom());

        // Another pick of the source makes the continuation another take, and so the one after it.
        ShotList repicked = ShotListReader.parse(text.replace("\"pick\": 2", "\"pick\": 3"), "t",
                ShotListReader.Format.JSON, PictureFiles.relativeTo(dir));
        assertNotEquals(second.requestHash(), repicked.takes().get(0).requestHash());
        assertNotEquals(cut.get(5).requestHash(), repicked.takes().get(5).requestHash());
        assertEquals(cut.get(2).requestHash(), repicked.takes().get(2).requestHash(), "the source itself is unchanged");
    }

    @Test
    void everyPictureProblemIsNamedAtOnce(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("a.png"), new byte[]{1});
        String text = """
                {"project": "p", "shots": [
                  {"name": "a", "prompt": "x", "image": "a.png", "continue_from": "b"},
                  {"name": "b", "prompt": "x", "last_image": "a.png"},
                  {"name": "c", "prompt": "x", "image": "missing.png", "fit": "zoom"},
                  {"name": "d", "prompt": "x", "takes": 2, "pick": 3}
                ]}""";
        ShotListException e = assertThrows(ShotListException.class,
                () -> ShotListReader.parse(text, "bad.json", ShotListReader.Format.JSON, PictureFiles.relativeTo(dir)));
        List<String> problems = e.problems().stream().map(Object::toString).toList();
        assertTrue(problems.contains("line 2, shots[0]: gives both \"image\" and \"continue_from\"; a shot starts"
                + " from one first frame, keep one"), problems.toString());
        assertTrue(problems.contains("line 3, shots[1].last_image: needs a first frame too: give \"image\" or"
                + " \"continue_from\""), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("line 4, shots[2].image: names ")
                && p.contains("missing.png, which is not a file")), problems.toString());
        assertTrue(problems.contains("line 4, shots[2].fit: must be one of crop, pad, stretch, not \"zoom\""),
                problems.toString());
        assertTrue(problems.contains("line 5, shots[3].pick: is take 3 but the shot has 2 takes; pick one of them"),
                problems.toString());
        assertEquals(5, problems.size(), problems.toString());
    }

    @Test
    void unknownSelfAndCircularContinuationsAreRefused(@TempDir Path dir) {
        List<String> unknown = problems(dir, """
                {"project": "p", "shots": [
                  {"name": "opening", "prompt": "x"},
                  {"name": "b", "prompt": "x", "continue_from": "openng"},
                  {"name": "c", "prompt": "x", "continue_from": "c"}
                ]}""");
        assertEquals(List.of("line 3, shots[1].continue_from: \"openng\" is not a shot of this list (did you mean"
                        + " \"opening\"?)",
                "line 4, shots[2].continue_from: names the shot itself; a shot continues from another shot's take"),
                unknown);
        List<String> circle = problems(dir, """
                {"project": "p", "shots": [
                  {"name": "a", "prompt": "x"},
                  {"name": "b", "prompt": "x", "continue_from": "c"},
                  {"name": "c", "prompt": "x", "continue_from": "b"}
                ]}""");
        assertEquals(List.of("line 3, shots[1].continue_from: the shots b, c continue from one another in a circle,"
                + " so none of them can render first; start one of them from a picture or from text"), circle);
    }

    @Test
    void aListWithoutAFolderCannotNamePictureFiles() {
        ShotListException e = assertThrows(ShotListException.class, () -> ShotListReader.parse(
                "{\"project\":\"p\",\"shots\":[{\"name\":\"a\",\"prompt\":\"x\",\"image\":\"../../etc/passwd\"}]}",
                "the request", ShotListReader.Format.JSON));
        assertEquals(1, e.problems().size());
        assertTrue(e.getMessage().contains("not read from a file"), e.getMessage());
    }

    @Test
    void theDocumentedPictureExampleReadsAsTheDocSays(@TempDir Path dir) throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
        String doc = Files.readString(root.resolve("examples/shots/README.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("```yaml\\n(.*?)```", java.util.regex.Pattern.DOTALL)
                .matcher(doc);
        assertTrue(m.find());
        Files.createDirectories(dir.resolve("boards"));
        Files.write(dir.resolve("boards/opening.png"), new byte[]{1});
        Files.write(dir.resolve("boards/landing-end.png"), new byte[]{2});
        ShotList list = ShotListReader.parse(m.group(1), "doc", ShotListReader.Format.YAML, PictureFiles.relativeTo(dir));
        assertEquals(List.of("opening", "opening", "opening", "leap", "landing"),
                list.renderOrder().stream().map(t -> t.shot().name()).toList());
        Take leap = list.takes().get(3);
        assertEquals(2, leap.source().take(), "opening's pick");
        Take opening1 = list.takes().get(0);
        assertEquals(Fit.CROP, opening1.request().fit());

        // The hash rule as the doc states it, restated here line by line.
        String expected = "kino-request/v1\nmodel=wan21-i2v\nprompt=a fox runs through snow\nnegative=\nsteps=30\n"
                + "guidance=\nseed=" + opening1.seed() + "\nframes=\nwidth=\nheight=\nfps=\nscheduler=\nnoise_kernel=\n"
                + "image=" + sha256(new byte[]{1}) + "\nlast_image=\ncontinue_from=\nfit=crop\n";
        assertEquals(sha256(expected.getBytes(java.nio.charset.StandardCharsets.UTF_8)), opening1.requestHash());
    }

    private static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static Take only(Path dir, String shot) {
        List<Take> takes = ShotListReader.parse("{\"project\":\"p\",\"shots\":[" + shot + "]}", "t",
                ShotListReader.Format.JSON, PictureFiles.relativeTo(dir)).takes();
        assertEquals(1, takes.size());
        return takes.get(0);
    }

    private static List<String> problems(Path dir, String text) {
        return assertThrows(ShotListException.class,
                () -> ShotListReader.parse(text, "t", ShotListReader.Format.JSON, PictureFiles.relativeTo(dir))).problems().stream()
                .map(Object::toString).toList();
    }
}
