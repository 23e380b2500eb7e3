package dev.kino.sweep.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicFilesTest {
    @Test
    void writesIntoNewFoldersAndLeavesNoTemporaryFile(@TempDir Path tmp) throws IOException {
        Path target = tmp.resolve("a/b/result.json");
        AtomicFiles.writeString(target, "{}");
        assertEquals("{}", Files.readString(target));
        try (var files = Files.list(target.getParent())) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void aBareFileNameIsWrittenInTheWorkingFolder() throws IOException {
        // "--sheet sheet.png" is a path without a parent folder.
        Path bare = Path.of(".kino-atomic-files-test.txt");
        try {
            AtomicFiles.writeString(bare, "ok");
            assertEquals("ok", Files.readString(bare));
        } finally {
            Files.deleteIfExists(bare);
        }
    }

    @Test
    void aFailedWriteLeavesNeitherTheFileNorItsTemporary(@TempDir Path tmp) throws IOException {
        Path target = tmp.resolve("out.txt");
        assertThrows(RuntimeException.class, () -> AtomicFiles.write(target, temp -> {
            Files.writeString(temp, "half");
            throw new IOException("disk full");
        }));
        assertFalse(Files.exists(target));
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count());
        }
    }
}
