package dev.kino.video;

import dev.kino.KinoException;
import dev.kino.image.RgbImage;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The last frame of a video file as FFmpeg decodes it (RGB24), so that a continued shot starts from exactly
 * the picture the previous shot's MP4 ends on, compression included.
 */
public final class LastFrame {
    private LastFrame() {
    }

    /** @throws KinoException (one sentence) when the file is missing, not a video, or has no frame */
    public static RgbImage read(Path video) {
        if (!Files.isRegularFile(video)) {
            throw new KinoException("The video " + video + " to continue from does not exist; give the MP4 of the"
                    + " previous shot.");
        }
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        byte[] last = null;
        int width = 0;
        int height = 0;
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile())) {
            grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            grabber.start();
            Frame f;
            while ((f = grabber.grabImage()) != null) {
                width = f.imageWidth;
                height = f.imageHeight;
                ByteBuffer pixels = (ByteBuffer) f.image[0];
                int stride = f.imageStride;
                if (last == null || last.length != width * height * 3) {
                    last = new byte[width * height * 3];
                }
                for (int y = 0; y < height; y++) {
                    pixels.position(y * stride);
                    pixels.get(last, y * width * 3, width * 3);
                }
            }
            grabber.stop();
        } catch (org.bytedeco.javacv.FrameGrabber.Exception | RuntimeException e) {
            throw new KinoException("The file " + video + " cannot be read as a video (" + e.getMessage()
                    + "); give the MP4 of the previous shot.");
        }
        if (last == null) {
            throw new KinoException("The video " + video + " has no frames to continue from; give the MP4 of the"
                    + " previous shot.");
        }
        return new RgbImage(width, height, last);
    }
}
