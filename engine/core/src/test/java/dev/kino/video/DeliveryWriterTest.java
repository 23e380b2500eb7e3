package dev.kino.video;

import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;


/** ProRes 422 HQ and 16-bit PNG deliverables, checked by FFmpeg's reader and by the ffprobe program. */
class DeliveryWriterTest {
    @TempDir
    Path tmp;

    @Test
    void proResIs422HqTenBitWithEveryFrame() throws IOException {
        VideoFrames video = Mp4WriterTest.movingSquare(48, 32, 7);
        Path mov = DeliveryFormat.PRORES.target(tmp.resolve("take-01"));
        DeliveryWriter.Written w = DeliveryWriter.write(video, 12, DeliveryFormat.PRORES, mov);

        assertEquals(tmp.resolve("take-01.mov"), w.path());
        VideoProbe.Info info = VideoProbe.probe(mov);
        assertEquals(new VideoProbe.Info("prores", DeliveryWriter.PRORES_HQ, "yuv422p10le", 48, 32, 7), info);
        assertEquals(List.of("codec_name=prores", "profile=HQ", "pix_fmt=yuv422p10le", "nb_read_frames=7"),
                ffprobe(mov));
        assertEquals(List.of(), partials(), "no temporary files left");
    }

    @Test
    void png16HoldsEachValueExactlyAsSixteenBits() throws IOException {
        VideoFrames video = Mp4WriterTest.movingSquare(32, 24, 3);
        byte[] first = video.frame(0);
        first[0] = 1; // a value that is neither 0 nor 255: 1 * 257 = 257
        Path dir = DeliveryFormat.PNG16.target(tmp.resolve("take-01"));
        DeliveryWriter.write(video, 8, DeliveryFormat.PNG16, dir);

        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("frame-0001.png", "frame-0002.png", "frame-0003.png"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Path png = dir.resolve("frame-0001.png");
        assertEquals(new VideoProbe.Info("png", VideoProbe.probe(png).profile(), "rgb48be", 32, 24, 1),
                VideoProbe.probe(png));
        assertEquals(List.of("codec_name=png", "pix_fmt=rgb48be"), ffprobe(png).stream()
                .filter(l -> !l.startsWith("profile") && !l.startsWith("nb_read")).toList());
        BufferedImage image = ImageIO.read(png.toFile());
        Raster r = image.getRaster();
        assertEquals(16, image.getColorModel().getComponentSize(0));
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 32; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals((first[(y * 32 + x) * 3 + c] & 0xff) * 257, r.getSample(x, y, c), x + "," + y);
                }
            }
        }

        // A second write replaces the whole folder (fewer frames: no frame of the first run is left).
        DeliveryWriter.write(Mp4WriterTest.movingSquare(32, 24, 2), 8, DeliveryFormat.PNG16, dir);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count());
        }
        assertEquals(List.of(), partials(), "no temporary folders left");
    }

    @Test
    void anUnfinishedDeliverableLeavesTheEarlierOneAlone() throws IOException {
        Path mov = tmp.resolve("cut.mov");
        Files.writeString(mov, "earlier");
        try (DeliveryWriter w = DeliveryWriter.open(DeliveryFormat.PRORES, mov, 32, 32, 8)) {
            w.add(Mp4WriterTest.movingSquare(32, 32, 1).frame(0));
        } // closed without finish(): a crash mid-cut
        assertEquals("earlier", Files.readString(mov));
        assertEquals(List.of(), partials());
    }

    private List<Path> partials() throws IOException {
        try (Stream<Path> all = Files.list(tmp)) {
            return all.filter(p -> p.getFileName().toString().startsWith(".")).toList();
        }
    }

    /**
     * The ffprobe program's view (the system's, else the one FFmpeg's JavaCPP package ships): codec, profile
     * name, pixel format and decoded frame count, as an editor's import would see them.
     */
    static List<String> ffprobe(Path file) throws IOException {
        String exe = onPath("ffprobe");
        if (exe == null) {
            exe = Loader.load(org.bytedeco.ffmpeg.ffprobe.class);
        }
        Process p = new ProcessBuilder(exe, "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                "stream=codec_name,profile,pix_fmt,nb_read_frames", "-of", "default=noprint_wrappers=1",
                file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            assertEquals(0, p.waitFor(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        List<String> lines = out.lines().toList();
        assertFalse(lines.isEmpty(), "ffprobe printed nothing");
        return lines;
    }

    private static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

}
