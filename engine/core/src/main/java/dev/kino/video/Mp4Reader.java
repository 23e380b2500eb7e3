package dev.kino.video;

import dev.kino.KinoException;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a video file back into RGB frames (for checks of what was written, and for benchmarks). */
public final class Mp4Reader {
    /** The decoded frames and the frame rate and codec the file declares. */
    public record Decoded(VideoFrames frames, double fps, String codec) {
    }

    private Mp4Reader() {
    }

    /** Decodes every frame of an MP4 to RGB. */
    public static Decoded read(Path file) {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            grabber.start();
            int w = grabber.getImageWidth();
            int h = grabber.getImageHeight();
            List<byte[]> frames = new ArrayList<>();
            Frame f;
            while ((f = grabber.grabImage()) != null) {
                ByteBuffer buf = (ByteBuffer) f.image[0];
                byte[] rgb = new byte[w * h * 3];
                for (int y = 0; y < h; y++) {
                    buf.position(y * f.imageStride);
                    buf.get(rgb, y * w * 3, w * 3);
                }
                frames.add(rgb);
            }
            return new Decoded(new VideoFrames(w, h, frames), grabber.getFrameRate(), grabber.getVideoCodecName());
        } catch (FrameGrabber.Exception e) {
            throw new KinoException("Cannot read the video " + file + ": " + e.getMessage() + ".", e);
        }
    }
}
