package dev.kino.server.work;

import dev.kino.KinoException;
import dev.kino.video.Mp4Writer;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.FrameRecorder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The cut: picked takes joined in shot order into one H.264 MP4, frame by frame (never the whole film in
 * memory). Every take must share the first one's size and frame rate; otherwise nothing is written.
 */
public final class Cut {
    /** One input: the shot's name (for messages) and its picked take's MP4. */
    public record Piece(String shot, Path mp4) {
    }

    private Cut() {
    }

    /** Writes the cut to {@code out} (atomically) and returns its frame count. */
    public static int build(List<Piece> pieces, Path out) {
        // FFmpeg prints ~10 lines of stream details per file it opens; a server that has written no video since
        // it started has not quietened it yet (Mp4Writer does when it loads). Kino reports what matters itself.
        avutil.av_log_set_level(dev.kino.runtime.NativeLogs.verbose() ? avutil.AV_LOG_ERROR : avutil.AV_LOG_QUIET);
        List<int[]> formats = new ArrayList<>();
        for (Piece p : pieces) {
            try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.mp4().toFile())) {
                g.start();
                formats.add(new int[] {g.getImageWidth(), g.getImageHeight(), (int) Math.round(g.getFrameRate())});
            } catch (IOException e) {
                throw new KinoException("The take picked for shot " + p.shot() + " cannot be read (" + e.getMessage()
                        + "); pick another take.", e);
            }
        }
        int[] first = formats.get(0);
        for (int i = 1; i < pieces.size(); i++) {
            int[] f = formats.get(i);
            if (f[0] != first[0] || f[1] != first[1] || f[2] != first[2]) {
                throw new KinoException("The picked takes do not match: shot " + pieces.get(0).shot() + " is "
                        + describe(first) + " but shot " + pieces.get(i).shot() + " is " + describe(f)
                        + "; a cut needs one size and frame rate, so pick takes rendered alike.");
            }
        }
        String encoder = Mp4Writer.h264Encoder();
        if (encoder == null) {
            throw new KinoException("This FFmpeg build has no H.264 encoder; rebuild Kino with the default FFmpeg.");
        }
        Path temp = out.resolveSibling("." + out.getFileName() + ".partial");
        int frames = 0;
        FFmpegFrameRecorder rec = new FFmpegFrameRecorder(temp.toFile(), first[0], first[1], 0);
        try {
            rec.setFormat("mp4");
            rec.setVideoCodecName(encoder);
            rec.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setFrameRate(first[2]);
            rec.setGopSize(Math.max(1, first[2] * 2));
            rec.setOption("movflags", "+faststart");
            if (encoder.equals("libx264")) {
                rec.setVideoOption("crf", "18");
            } else {
                rec.setVideoBitrate(Math.max(1_000_000, first[0] * first[1] * first[2] / 2));
            }
            rec.start();
            for (Piece p : pieces) {
                try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.mp4().toFile())) {
                    g.start();
                    Frame f;
                    while ((f = g.grabImage()) != null) {
                        rec.record(f);
                        frames++;
                    }
                }
            }
            rec.stop();
            rec.release();
            Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return frames;
        } catch (IOException e) { // FrameRecorder and FrameGrabber exceptions are IOExceptions
            throw new KinoException("Could not write the cut " + out + ": " + e.getMessage() + "; check the disk.", e);
        } finally {
            try {
                rec.release();
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // cleanup of a hidden temporary file
            }
        }
    }

    private static String describe(int[] f) {
        return f[0] + "x" + f[1] + " at " + f[2] + " fps";
    }
}
