package dev.kino.cli;

import dev.kino.video.Mp4Writer;
import dev.kino.video.VideoFrames;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Child JVM for {@link KilledWriterTest}: writes a slow-to-encode MP4 to args[0] again and again until killed. */
public final class PartialWriterMain {
    private PartialWriterMain() {
    }

    public static void main(String[] args) {
        Random r = new Random(7);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            byte[] rgb = new byte[320 * 320 * 3];
            r.nextBytes(rgb);
            frames.add(rgb);
        }
        VideoFrames video = new VideoFrames(320, 320, frames);
        while (true) {
            Mp4Writer.write(video, 8, Path.of(args[0]), 1);
        }
    }
}
