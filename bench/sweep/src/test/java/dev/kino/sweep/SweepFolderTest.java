package dev.kino.sweep;

import dev.kino.KinoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepFolderTest {
    private static final SweepIdentity ID = new SweepIdentity(1, "m", "f".repeat(64), "CPU", 0, 4, 32, 32, "");

    @Test
    void aNewFolderIsCreatedAndMarked(@TempDir Path tmp) {
        SweepFolder f = SweepFolder.open(tmp.resolve("out"), ID);
        assertTrue(Files.isRegularFile(f.root().resolve("sweep.json")));
    }

    @Test
    void aFolderOfOtherFilesIsRefused(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("thesis.tex"), "precious");
        KinoException e = assertThrows(KinoException.class, () -> SweepFolder.checkUsable(tmp));
        assertTrue(e.getMessage().contains("not empty and holds no sweep"), e.getMessage());
    }

    @Test
    void aFileIsRefused(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("out"), "x");
        assertThrows(KinoException.class, () -> SweepFolder.checkUsable(file));
    }

    @Test
    void aSweepOfAnotherSetupIsRefusedAndSaysWhatDiffers(@TempDir Path tmp) {
        SweepFolder.open(tmp, ID);
        SweepIdentity wider = new SweepIdentity(1, "m", "f".repeat(64), "CPU", 0, 4, 64, 32, "");
        KinoException e = assertThrows(KinoException.class, () -> SweepFolder.open(tmp, wider));
        assertTrue(e.getMessage().contains("4 frames of 64x32 instead of 4 frames of 32x32"), e.getMessage());
        SweepFolder.open(tmp, ID); // the same setup resumes
    }

    /** Precision modes are an axis: a later run may add or leave out modes, but not swap a mode's package. */
    @Test
    void precisionModesMayBeAddedOrLeftOutButAModeKeepsItsPackage(@TempDir Path tmp) throws Exception {
        SweepFolder.open(tmp, modes("int8=aaaa", "w4=bbbb"));
        SweepFolder.open(tmp, modes("int8=aaaa"));
        SweepFolder.open(tmp, modes("w8=cccc"));
        assertEquals(modes("int8=aaaa", "w4=bbbb", "w8=cccc"),
                dev.kino.sweep.io.BenchJson.read(tmp.resolve("sweep.json"), SweepIdentity.class), "the added mode is kept");
        KinoException e = assertThrows(KinoException.class, () -> SweepFolder.open(tmp, modes("w4=dddd")));
        assertTrue(e.getMessage().contains("another w4 package (fingerprint dddd instead of bbbb)"), e.getMessage());
    }

    /**
     * Experts loaded one at a time are timed with each expert read again per run: such a folder does not resume with
     * both resident, nor the other way round. A folder from before the field (no {@code experts}) was both resident.
     */
    @Test
    void expertsOneAtATimeIsPartOfTheIdentity(@TempDir Path tmp) throws Exception {
        SweepIdentity one = new SweepIdentity(1, "m", "f".repeat(64), "CPU", 0, 4, 32, 32, "", java.util.List.of(),
                java.util.List.of(), SweepIdentity.ONE_AT_A_TIME);
        SweepFolder.open(tmp.resolve("one"), one);
        KinoException e = assertThrows(KinoException.class, () -> SweepFolder.open(tmp.resolve("one"), ID));
        assertTrue(e.getMessage().contains("both experts resident instead of one at a time"), e.getMessage());
        SweepFolder.open(tmp.resolve("one"), one); // the same choice resumes

        Path old = Files.createDirectories(tmp.resolve("old"));
        Files.writeString(old.resolve("sweep.json"), "{\"format\": 1, \"model_name\": \"m\", \"model_fingerprint\": \""
                + "f".repeat(64) + "\", \"execution_provider\": \"CPU\", \"onnx_threads\": 0, \"frames\": 4,"
                + " \"width\": 32, \"height\": 32, \"negative_prompt\": \"\"}");
        SweepFolder.open(old, ID);
        e = assertThrows(KinoException.class, () -> SweepFolder.open(old, one));
        assertTrue(e.getMessage().contains("experts loaded one at a time instead of both resident"), e.getMessage());
    }

    private static SweepIdentity modes(String... packages) {
        return new SweepIdentity(1, "m", "f".repeat(64), "CPU", 0, 4, 32, 32, "", java.util.List.of(),
                java.util.List.of(packages));
    }

    @Test
    void aCellIsFinishedOnlyAgainstTheReferenceItWasMeasuredWith(@TempDir Path tmp) {
        SweepFolder f = SweepFolder.open(tmp, ID);
        CellResult r = TestResults.cell("a", 0, "euler", 4, 20, 100, "ref-A");
        Cell cell = new Cell("a", 0, 5.0, "euler", 4);
        assertFalse(f.finishedCell(cell, "ref-A").isPresent());
        f.writeResult(f.cellDir(cell), r);
        assertEquals(r, f.finishedCell(cell, "ref-A").orElseThrow());
        assertFalse(f.finishedCell(cell, "ref-B").isPresent());
        assertEquals(1, f.allFinishedCells().size());
    }

    @Test
    void aTruncatedResultCountsAsUnfinished(@TempDir Path tmp) throws Exception {
        SweepFolder f = SweepFolder.open(tmp, ID);
        Cell cell = new Cell("a", 0, 5.0, "euler", 4);
        Files.createDirectories(f.cellDir(cell));
        Files.writeString(f.cellDir(cell).resolve("result.json"), "{\"format\": 1, \"id\": \"eu");
        assertFalse(f.finishedCell(cell, "ref-A").isPresent());
    }

    @Test
    void writesLeaveNoTemporaryFiles(@TempDir Path tmp) throws Exception {
        SweepFolder f = SweepFolder.open(tmp, ID);
        Cell cell = new Cell("a", 0, 5.0, "euler", 4);
        f.writeResult(f.cellDir(cell), TestResults.cell("a", 0, "euler", 4, 20, 100, "ref-A"));
        try (Stream<Path> all = Files.walk(tmp)) {
            assertTrue(all.noneMatch(p -> p.getFileName().toString().endsWith(".partial")));
        }
    }
}
