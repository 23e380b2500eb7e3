package dev.kino.video;

import dev.kino.KinoException;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameRecorder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes frames as an H.264 MP4 that browsers play: yuv420p, {@code +faststart} (the index up front, so
 * playback starts before the download ends), the requested frame rate.
 *
 * <p>The file is written under a temporary name beside the target and renamed when complete, so a failed
 * or interrupted run never leaves a half-written MP4 at the output path. FFmpeg silently falls back to
 * MPEG-4 Part 2 when asked for a codec it lacks; Kino instead picks an H.264 encoder that exists
 * (libx264 in the GPL FFmpeg build, libopenh264 in the default LGPL one) and fails clearly if there is none.
 */
public final class Mp4Writer {
    /** H.264 encoders in order of preference. */
    private static final List<String> H264_ENCODERS = List.of("libx264", "libopenh264");

    /** What was written. */
    public record Written(Path path, String encoder, int width, int height, int frames, int fps, long bytes) {
    }

    static {
        // FFmpeg prints every stream's details to stderr by default; Kino reports what matters itself.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private Mp4Writer() {
    }

    /**
     * Loads FFmpeg's native libraries on a background thread (about a second the first time in a process),
     * so that cost overlaps the model's work instead of delaying the end of a run.
     */
    public static void preloadInBackground() {
        Thread t = new Thread(() -> {
            try {
                FFmpegFrameRecorder.tryLoad();
                h264Encoder();
            } catch (FrameRecorder.Exception | RuntimeException | LinkageError ignored) {
                // the real write reports any problem
            }
        }, "kino-ffmpeg-preload");
        t.setDaemon(true);
        t.start();
    }

    /** The H.264 encoder this FFmpeg build provides, or null. */
    public static String h264Encoder() {
        for (String name : H264_ENCODERS) {
            AVCodec codec = avcodec.avcodec_find_encoder_by_name(name);
            if (codec != null && !codec.isNull() && codec.id() == avcodec.AV_CODEC_ID_H264) {
                return name;
            }
        }
        return null;
    }

    /**
     * Writes {@code video} to {@code out} at {@code fps}, optionally upscaled by an integer {@code scale}
     * with a Lanczos filter (tiny models' native sizes are hard to see in a player).
     */
    public static Written write(VideoFrames video, int fps, Path out, int scale) {
        String encoder = h264Encoder();
        if (encoder == null) {
            throw new KinoException("This FFmpeg build has no H.264 encoder (neither libx264 nor libopenh264); "
                    + "rebuild Kino with the default org.bytedeco:ffmpeg linux-x86_64 classifier.");
        }
        int width = video.width() * scale;
        int height = video.height() * scale;
        if (width % 2 != 0 || height % 2 != 0) {
            throw new KinoException("H.264 with yuv420p needs an even width and height, but the video is "
                    + width + "x" + height + "; pick a size that is a multiple of 2.");
        }
        Path target = out.toAbsolutePath().normalize();
        Path temp = target.resolveSibling("." + target.getFileName() + ".kino-partial");
        try {
            record(video, fps, temp, encoder, width, height, scale);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Written(target, encoder, width, height, video.count(), fps, Files.size(target));
        } catch (IOException e) {
            throw new KinoException("Could not write the video " + target + ": " + describe(e)
                    + "; free some disk space or choose another output path.", e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: the temporary file is hidden and named for the target
            }
        }
    }

    private static void record(VideoFrames video, int fps, Path temp, String encoder, int width, int height,
                               int scale) throws IOException {
        FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(temp.toFile(), width, height, 0);
        recorder.setFormat("mp4");
        recorder.setVideoCodecName(encoder);
        recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
        recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        recorder.setFrameRate(fps);
        recorder.setGopSize(Math.max(1, fps * 2));
        recorder.setOption("movflags", "+faststart");
        if (encoder.equals("libx264")) {
            recorder.setVideoOption("crf", "18");
            recorder.setVideoOption("preset", "medium");
        } else {
            // libopenh264 has no quality mode: ~0.5 bit per pixel keeps generated detail.
            recorder.setVideoBitrate(Math.max(1_000_000, width * height * fps / 2));
        }
        recorder.setImageScalingFlags(scale == 1 ? swscale.SWS_POINT : swscale.SWS_LANCZOS);
        try {
            recorder.start();
            Frame frame = new Frame(video.width(), video.height(), Frame.DEPTH_UBYTE, 3);
            ByteBuffer pixels = (ByteBuffer) frame.image[0];
            int stride = frame.imageStride;
            for (int i = 0; i < video.count(); i++) {
                byte[] rgb = video.frame(i);
                for (int y = 0; y < video.height(); y++) {
                    pixels.position(y * stride);
                    pixels.put(rgb, y * video.width() * 3, video.width() * 3);
                }
                pixels.rewind();
                recorder.record(frame, avutil.AV_PIX_FMT_RGB24);
            }
            recorder.stop();
        } catch (FrameRecorder.Exception e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            recorder.release();
        }
    }

    private static String describe(IOException e) {
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("No space left") || msg.contains("-28")) {
            return "the disk is full";
        }
        return msg;
    }
}
