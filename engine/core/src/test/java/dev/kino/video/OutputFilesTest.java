package dev.kino.video;

import dev.kino.KinoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outputs appear complete or not at all: concurrent writers, long names, links, earlier files, encoder limits. */
class OutputFilesTest {
    @TempDir
    Path dir;

    static List<String> leftovers(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.contains("kino-partial")).toList();
        }
    }

    @Test
    void twoWritersOfOnePathLeaveOneCompleteVideoAndNoPartials() throws Exception {
        Path out = dir.resolve("same.mp4");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Mp4Writer.Written>> runs = new ArrayList<>();
            for (int frames : new int[] {10, 14}) {
                Callable<Mp4Writer.Written> write = () -> Mp4Writer.write(
                        Mp4WriterTest.movingSquare(64, 48, frames), 8, out, 2);
                runs.add(pool.submit(write));
            }
            for (Future<Mp4Writer.Written> run : runs) {
                assertEquals(out, run.get().path()); // both succeed
            }
        } finally {
            pool.shutdown();
        }
        int frames = Mp4Reader.read(out).frames().count();
        assertTrue(frames == 10 || frames == 14, "one writer's complete video: " + frames + " frames");
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void aNameOf250BytesIsWritten() throws Exception {
        Path out = dir.resolve("a".repeat(246) + ".mp4");
        Mp4Writer.write(Mp4WriterTest.movingSquare(32, 32, 3), 8, out, 1);
        assertEquals(3, Mp4Reader.read(out).frames().count());
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void writeNewNeverReplacesAnEarlierFile() throws Exception {
        Path out = dir.resolve("clip.mp4");
        Mp4Writer.write(Mp4WriterTest.movingSquare(32, 32, 3), 8, out, 1);
        byte[] first = Files.readAllBytes(out);
        Mp4Writer.Written second = Mp4Writer.writeNew(Mp4WriterTest.movingSquare(32, 32, 5), 8, out, 1);
        Mp4Writer.Written third = Mp4Writer.writeNew(Mp4WriterTest.movingSquare(32, 32, 6), 8, out, 1);
        assertEquals(dir.resolve("clip-2.mp4"), second.path());
        assertEquals(dir.resolve("clip-3.mp4"), third.path());
        assertTrue(java.util.Arrays.equals(first, Files.readAllBytes(out)), "the earlier file is untouched");
        assertEquals(5, Mp4Reader.read(second.path()).frames().count());
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void aSymbolicLinkIsWrittenThroughAndStaysALink() throws Exception {
        Path real = Files.createDirectory(dir.resolve("store")).resolve("real.mp4");
        Files.writeString(real, "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.mp4"), real);
        Mp4Writer.Written w = Mp4Writer.write(Mp4WriterTest.movingSquare(32, 32, 4), 8, link, 1);
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertEquals(real, Mp4Writer.writeThrough(link));
        assertEquals(4, Mp4Reader.read(real).frames().count());
        assertEquals(real, w.path());
        assertEquals(List.of(), leftovers(dir));
        assertEquals(List.of(), leftovers(real.getParent()));
    }

    @Test
    void framesOfAnEarlierLongerRunAreRemovedAndOtherFilesKept() throws Exception {
        Path frames = dir.resolve("frames");
        PngFrameWriter.write(Mp4WriterTest.movingSquare(32, 32, 6), frames);
        Files.writeString(frames.resolve("notes.txt"), "mine");
        Files.writeString(frames.resolve("frame_final.png"), "not Kino's numbering");
        PngFrameWriter.Written w = PngFrameWriter.write(Mp4WriterTest.movingSquare(32, 32, 4), frames);
        assertEquals(4, w.files().size());
        assertEquals(List.of(frames.resolve("frame_0004.png"), frames.resolve("frame_0005.png")), w.removedEarlier());
        try (Stream<Path> files = Files.list(frames)) {
            assertEquals(List.of("frame_0000.png", "frame_0001.png", "frame_0002.png", "frame_0003.png",
                    "frame_final.png", "notes.txt"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void encoderLimitsAreKnownBeforeRendering() {
        assertNotNull(Mp4Writer.sizeProblem(64, 8), "OpenH264 refuses sides under 16");
        assertNotNull(Mp4Writer.sizeProblem(32768, 128), "wider than players decode");
        assertNotNull(Mp4Writer.sizeProblem(4096, 4096), "more pixels than H.264 level 5.2");
        assertNotNull(Mp4Writer.sizeProblem(33, 32), "odd width");
        assertNull(Mp4Writer.sizeProblem(8192, 64));
        assertEquals(2, Mp4Writer.maxUpscale(4096, 16));
        assertEquals(48, Mp4Writer.maxUpscale(64, 64)); // 3072x3072 = H.264 level 5.2's frame
        KinoException e = assertThrows(KinoException.class,
                () -> Mp4Writer.write(new VideoFrames(64, 8, List.of(new byte[64 * 8 * 3])), 8, dir.resolve("x.mp4"), 1));
        assertTrue(e.getMessage().contains("at least 16 pixels"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("x.mp4")));
    }
}
