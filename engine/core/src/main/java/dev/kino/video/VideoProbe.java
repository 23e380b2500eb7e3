package dev.kino.video;

import dev.kino.KinoException;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;

import java.io.IOException;
import java.nio.file.Path;

/** What a video or picture file holds, as FFmpeg reads it: for checking a deliverable before handing it on. */
public final class VideoProbe {
    /**
     * @param codec       FFmpeg's codec name ({@code prores}, {@code h264}, {@code png})
     * @param profile     the codec's profile number (ProRes: 3 is 422 HQ); negative when the codec has none
     * @param pixelFormat FFmpeg's pixel format name ({@code yuv422p10le}, {@code rgb48be})
     * @param frames      frames in the file (1 for a picture)
     */
    public record Info(String codec, int profile, String pixelFormat, int width, int height, int frames) {
    }

    private VideoProbe() {
    }

    /** Reads the first video stream of {@code file}. */
    public static Info probe(Path file) {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
            g.start();
            AVCodecParameters par = null;
            for (int i = 0; i < g.getFormatContext().nb_streams(); i++) {
                AVCodecParameters p = g.getFormatContext().streams(i).codecpar();
                if (p.codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
                    par = p;
                    break;
                }
            }
            if (par == null) {
                throw new KinoException(file + " holds no video stream.");
            }
            String codec = avcodec.avcodec_get_name(par.codec_id()).getString();
            String pix = avutil.av_get_pix_fmt_name(par.format()).getString();
            return new Info(codec, par.profile(), pix, par.width(), par.height(),
                    Math.max(1, g.getLengthInVideoFrames()));
        } catch (IOException e) {
            throw new KinoException("FFmpeg cannot read " + file + ": " + e.getMessage() + ".", e);
        }
    }
}
