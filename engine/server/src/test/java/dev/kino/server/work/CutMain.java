package dev.kino.server.work;

import dev.kino.video.Mp4Writer;
import dev.kino.video.VideoFrames;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * For {@link CutLogTest}, in a fresh JVM (FFmpeg logs to the process's own stderr): {@code write DIR} writes two
 * takes, {@code cut DIR} cuts them, as a restarted server does before it has written any video.
 */
public final class CutMain {
    private CutMain() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[1]);
        boolean write = args[0].equals("write");
        List<Cut.Piece> pieces = new ArrayList<>();
        for (int take = 0; take < 2; take++) {
            List<byte[]> frames = new ArrayList<>();
            for (int f = 0; f < 8; f++) {
                byte[] rgb = new byte[64 * 64 * 3];
                java.util.Arrays.fill(rgb, (byte) (f * 20 + take * 7));
                frames.add(rgb);
            }
            Path mp4 = dir.resolve("take-" + take + ".mp4");
            if (write) {
                Mp4Writer.write(new VideoFrames(64, 64, frames), 8, mp4, 1);
            }
            pieces.add(new Cut.Piece("s" + take, mp4));
        }
        if (!write) {
            System.out.println("cut " + Cut.build(pieces, dir.resolve("cut.mp4")) + " frames");
        }
    }
}
