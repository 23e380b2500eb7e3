package dev.kino.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input: one sentence, a non-zero exit, no stack trace; before any model is loaded where possible. */
class BenchCliTest {

    private static void assertOneSentence(Bench.Run r, int exitCode, String mustContain) {
        assertEquals(exitCode, r.exitCode(), r.err());
        assertTrue(r.err().contains(mustContain), r.err());
        assertTrue(r.err().startsWith("kino bench: "), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
    }

    @Test
    void withoutASubcommandItPrintsUsage() {
        Bench.Run r = Bench.run();
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("sweep") && r.out().contains("overhead"), r.out());
    }

    @Test
    void versionNamesTheEngine() {
        Bench.Run r = Bench.run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().startsWith("kino bench, engine "), r.out());
    }

    @Test
    void aMissingRequiredOptionIsAUsageError() {
        Bench.Run r = Bench.run("sweep", "--steps", "4", "--out", "x");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--model"), r.err());
    }

    @Test
    void aStepListThatIsNotNumbersIsAUsageError(@TempDir Path tmp) {
        Bench.Run r = Bench.run("sweep", "--model", Bench.fixture(Bench.UNET).toString(), "--prompt", "a",
                "--steps", "4,x", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("x"), r.err());
    }

    @Test
    void aMissingModelFolderIsOneSentence(@TempDir Path tmp) {
        assertOneSentence(Bench.run("sweep", "--model", tmp.resolve("nope").toString(), "--prompt", "a",
                "--steps", "4", "--out", tmp.resolve("o").toString()), 1, "does not exist");
    }

    @Test
    void aMissingPromptsFileIsOneSentence(@TempDir Path tmp) {
        assertOneSentence(Bench.run("sweep", "--model", Bench.fixture(Bench.UNET).toString(), "--prompts",
                tmp.resolve("prompts.txt").toString(), "--steps", "4", "--out", tmp.resolve("o").toString()),
                1, "prompts file");
    }

    @Test
    void aPromptsFileOfCommentsHasNoPrompts(@TempDir Path tmp) throws Exception {
        Path prompts = Files.writeString(tmp.resolve("prompts.txt"), "# nothing yet\n\n   \n");
        assertOneSentence(Bench.run("sweep", "--model", Bench.fixture(Bench.UNET).toString(), "--prompts",
                prompts.toString(), "--steps", "4", "--out", tmp.resolve("o").toString()), 1, "has no prompts");
    }

    @Test
    void anOutFolderOfOtherFilesIsRefusedBeforeAnyWork(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("notes.txt"), "mine");
        assertOneSentence(Bench.run("sweep", "--model", Bench.fixture(Bench.UNET).toString(), "--prompt", "a",
                "--steps", "4", "--out", tmp.toString()), 1, "not empty");
    }

    @Test
    void zeroRepeatsIsOneSentence(@TempDir Path tmp) {
        assertOneSentence(Bench.run("sweep", "--model", Bench.fixture(Bench.UNET).toString(), "--prompt", "a",
                "--steps", "4", "--repeats", "0", "--out", tmp.resolve("o").toString()), 1, "--repeats");
    }

    @Test
    void anUnknownDeviceIsOneSentence(@TempDir Path tmp) {
        assertOneSentence(Bench.run("overhead", "--model", Bench.fixture(Bench.UNET).toString(), "--device", "tpu"),
                1, "Unknown device");
    }

    @Test
    void aNegativeWarmupIsOneSentence() {
        assertOneSentence(Bench.run("overhead", "--model", Bench.fixture(Bench.UNET).toString(), "--warmup", "-1"),
                1, "--warmup");
    }

    @Test
    void overheadNeedsAtLeastOneRun() {
        assertOneSentence(Bench.run("overhead", "--model", Bench.fixture(Bench.UNET).toString(), "--runs", "0"),
                1, "--runs");
    }
}
