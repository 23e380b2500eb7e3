package dev.kino.video;

import dev.kino.KinoException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real full disk: a 512 KB tmpfs. Mounting needs root (CI containers run as root); elsewhere the test is
 * skipped with the reason.
 */
class DiskFullTest {
    @TempDir
    Path tmp;
    Path disk;
    boolean mounted;

    @BeforeEach
    void mountTinyDisk() throws Exception {
        mount(512 * 1024);
    }

    private void mount(long bytes) throws Exception {
        if (mounted) {
            unmount();
        } else {
            disk = Files.createDirectory(tmp.resolve("tiny"));
        }
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        mounted = p.waitFor() == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here (needs root): " + log.strip());
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor();
            mounted = false;
        }
    }

    /** Frames of noise: H.264 cannot compress them below its bitrate, so 60 of them need more than 512 KB. */
    static VideoFrames noise(int size, int frames) {
        Random r = new Random(1);
        List<byte[]> list = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            byte[] rgb = new byte[size * size * 3];
            r.nextBytes(rgb);
            list.add(rgb);
        }
        return new VideoFrames(size, size, list);
    }

    private List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFullDiskFailsWithOneSentenceAndKeepsTheEarlierVideo() throws Exception {
        Path out = disk.resolve("clip.mp4");
        Mp4Writer.write(Mp4WriterTest.movingSquare(32, 32, 3), 8, out, 1);
        byte[] earlier = Files.readAllBytes(out);
        KinoException e = assertThrows(KinoException.class, () -> Mp4Writer.write(noise(256, 60), 8, out, 1));
        assertTrue(e.getMessage().contains("the disk is full"), e.getMessage());
        assertTrue(e.getMessage().contains("the earlier file there is unchanged"), e.getMessage());
        assertTrue(Arrays.equals(earlier, Files.readAllBytes(out)), "the earlier video is intact");
        assertEquals(List.of("clip.mp4"), listing(disk), "no partial file left");
    }

    /**
     * The case FFmpeg does not report: the disk fills while the muxer writes the index (moov atom) at the end, and
     * stop() returns normally. The disk here is sized to hold the earlier file and all but the last bytes of the
     * new video.
     */
    @Test
    void aDiskThatFillsWhileTheIndexIsWrittenIsCaught() throws Exception {
        VideoFrames video = noise(256, 60);
        long page = 4096;
        long size = Files.size(Mp4Writer.write(video, 8, tmp.resolve("probe.mp4"), 1).path());
        byte[] earlier = Files.readAllBytes(Mp4Writer.write(Mp4WriterTest.movingSquare(32, 32, 3), 8,
                tmp.resolve("earlier.mp4"), 1).path());
        mount(((size - 1) / page + (earlier.length + page - 1) / page) * page);
        Path out = disk.resolve("clip.mp4");
        Files.write(out, earlier);
        KinoException e = assertThrows(KinoException.class, () -> Mp4Writer.write(video, 8, out, 1),
                "FFmpeg's stop() succeeds here; only reading the file back shows the missing index");
        assertTrue(e.getMessage().contains("the disk is full"), e.getMessage());
        assertTrue(Arrays.equals(earlier, Files.readAllBytes(out)), "the earlier video is intact");
        assertEquals(List.of("clip.mp4"), listing(disk), "no partial file left");
    }

    @Test
    void aFullDiskLeavesTheFramesFolderAsItWas() throws Exception {
        Path frames = disk.resolve("frames");
        PngFrameWriter.write(Mp4WriterTest.movingSquare(32, 32, 3), frames);
        List<String> before = listing(frames);
        byte[] first = Files.readAllBytes(frames.resolve("frame_0000.png"));
        KinoException e = assertThrows(KinoException.class, () -> PngFrameWriter.write(noise(256, 20), frames));
        assertTrue(e.getMessage().contains("the folder is as it was"), e.getMessage());
        assertEquals(before, listing(frames), "no new, stale or partial files");
        assertTrue(Arrays.equals(first, Files.readAllBytes(frames.resolve("frame_0000.png"))));
        assertThrows(KinoException.class, () -> PngFrameWriter.write(noise(256, 20), disk.resolve("new")));
        assertTrue(!Files.exists(disk.resolve("new")), "a folder the failed run would have created is not left");
    }
}
