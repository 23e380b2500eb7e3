package dev.kino.video;

import dev.kino.KinoException;
import dev.kino.image.RgbImage;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The frames of a video file a generation starts from (video-to-video's source): any file FFmpeg decodes
 * (MP4, MOV, WebM, MKV, AVI, animated GIF...), every frame as FFmpeg converts it to RGB24, in display order.
 */
public final class VideoFiles {
    private VideoFiles() {
    }

    /**
     * Reads the frames of {@code file}, stopping after {@code atMost + 1} so that a long film is refused
     * without being held in memory.
     *
     * @param role what the video is for, as the user knows it (e.g. "source video"), for the messages
     * @throws KinoException (one sentence) when the file is missing, not a video, or has no frame
     */
    public static List<RgbImage> read(Path file, String role, int atMost) {
        if (!Files.isRegularFile(file)) {
            throw new KinoException("The " + role + " " + file + " does not exist; check the path.");
        }
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        List<RgbImage> frames = new ArrayList<>();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            grabber.start();
            Frame f;
            while (frames.size() <= atMost && (f = grabber.grabImage()) != null) {
                int w = f.imageWidth;
                int h = f.imageHeight;
                ByteBuffer pixels = (ByteBuffer) f.image[0];
                byte[] rgb = new byte[w * h * 3];
                for (int y = 0; y < h; y++) {
                    pixels.position(y * f.imageStride);
                    pixels.get(rgb, y * w * 3, w * 3);
                }
                frames.add(new RgbImage(w, h, rgb));
            }
            grabber.stop();
        } catch (org.bytedeco.javacv.FrameGrabber.Exception | RuntimeException e) {
            throw new KinoException("The " + role + " " + file + " cannot be read as a video (FFmpeg does not decode"
                    + " it); give a video file such as an MP4.", e);
        }
        if (frames.isEmpty()) {
            throw new KinoException("The " + role + " " + file + " has no video frames; give a video file with"
                    + " pictures in it.");
        }
        return frames;
    }
}
