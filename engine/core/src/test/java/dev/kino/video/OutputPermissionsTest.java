package dev.kino.video;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Outputs are written under hidden temporary names and renamed; they must still get the permissions any new file
 * of the user gets (their umask), not the owner-only 0600/0700 of {@code Files.createTempFile/Directory}, or a
 * web server or a colleague could not read the renders.
 */
class OutputPermissionsTest {
    @Test
    void theMp4AndTheFramesFolderGetTheSamePermissionsAsAPlainNewFile(@TempDir Path dir) throws Exception {
        Path plainFile = Files.createFile(dir.resolve("plain.txt"));
        Path plainDir = Files.createDirectory(dir.resolve("plain-dir"));
        VideoFrames video = new VideoFrames(16, 16, List.of(new byte[16 * 16 * 3], new byte[16 * 16 * 3]));

        Path mp4 = Mp4Writer.write(video, 8, dir.resolve("out.mp4"), 1).path();
        Path frames = dir.resolve("frames");
        PngFrameWriter.write(video, frames);

        assertEquals(Files.getPosixFilePermissions(plainFile), Files.getPosixFilePermissions(mp4));
        assertEquals(Files.getPosixFilePermissions(plainDir), Files.getPosixFilePermissions(frames));
        assertEquals(Files.getPosixFilePermissions(plainFile),
                Files.getPosixFilePermissions(frames.resolve("frame_0000.png")));
    }
}
