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
        quietLogs();
    }

    /** FFmpeg prints every stream's details and its own errors to stderr; Kino reports what matters itself. */
    private static void quietLogs() {
        avutil.av_log_set_level(dev.kino.runtime.NativeLogs.verbose() ? avutil.AV_LOG_ERROR : avutil.AV_LOG_QUIET);
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

    /** The smallest side OpenH264 encodes. */
    public static final int MIN_SIDE = 16;
    /** The largest side Kino writes: within H.264 level 5.2 and what common players and decoders accept. */
    public static final int MAX_SIDE = 8192;
    /** The largest frame in pixels: H.264 level 5.2 (36864 macroblocks), also OpenH264's limit. */
    public static final long MAX_PIXELS = 36864L * 256;

    /**
     * Null when an H.264 MP4 of {@code width x height} can be written and played, else the reason, so callers
     * check a size before rendering instead of after.
     */
    public static String sizeProblem(long width, long height) {
        if (width < MIN_SIDE || height < MIN_SIDE) {
            return "H.264 encoders need at least " + MIN_SIDE + " pixels per side, but the video would be "
                    + width + "x" + height;
        }
        if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
            return "H.264 MP4s play only up to " + MAX_SIDE + " pixels per side and " + MAX_PIXELS
                    + " pixels per frame, but the video would be " + width + "x" + height;
        }
        if (width % 2 != 0 || height % 2 != 0) {
            return "H.264 with yuv420p needs an even width and height, but the video would be " + width + "x" + height;
        }
        return null;
    }

    /** The largest upscale factor (at least 1) that keeps a {@code width x height} video within the encoder's limits. */
    public static int maxUpscale(int width, int height) {
        int n = 1;
        while (sizeProblem((long) width * (n + 1), (long) height * (n + 1)) == null) {
            n++;
        }
        return n;
    }

    /**
     * Writes {@code video} to {@code out} at {@code fps}, optionally upscaled by an integer {@code scale}
     * with a Lanczos filter (tiny models' native sizes are hard to see in a player). An existing file at
     * {@code out} is replaced only by a complete, verified video; when {@code out} is a symbolic link, the
     * file it points to is written (the link stays).
     */
    public static Written write(VideoFrames video, int fps, Path out, int scale) {
        return write(video, fps, out, scale, true);
    }

    /**
     * As {@link #write}, but never replaces an existing file: when {@code out} exists, writes
     * {@code NAME-2.mp4}, {@code NAME-3.mp4}, ... instead ({@link Written#path()} says which).
     */
    public static Written writeNew(VideoFrames video, int fps, Path out, int scale) {
        return write(video, fps, out, scale, false);
    }

    /** The file a write to {@code out} lands in: {@code out} itself, or the file its symbolic link(s) point to. */
    public static Path writeThrough(Path out) {
        Path p = out.toAbsolutePath().normalize();
        for (int hops = 0; hops < 40 && Files.isSymbolicLink(p); hops++) {
            try {
                p = p.resolveSibling(Files.readSymbolicLink(p)).toAbsolutePath().normalize();
            } catch (IOException e) {
                break;
            }
        }
        return p;
    }

    private static Written write(VideoFrames video, int fps, Path out, int scale, boolean replace) {
        quietLogs();
        String encoder = h264Encoder();
        if (encoder == null) {
            throw new KinoException("This FFmpeg build has no H.264 encoder (neither libx264 nor libopenh264); "
                    + "rebuild Kino with the default org.bytedeco:ffmpeg linux-x86_64 classifier.");
        }
        int width = video.width() * scale;
        int height = video.height() * scale;
        String problem = sizeProblem(width, height);
        if (problem != null) {
            throw new KinoException(problem + "; pick another size or --upscale.");
        }
        Path target = writeThrough(out);
        Path temp = null;
        try {
            temp = PartialFiles.newFile(target.getParent());
            record(video, fps, temp, encoder, width, height, scale);
            verify(temp, video.count(), width, height);
            Path written = target;
            if (replace) {
                PartialFiles.commitReplacing(temp, target);
            } else {
                written = PartialFiles.commitNew(temp, target);
            }
            return new Written(written, encoder, width, height, video.count(), fps, Files.size(written));
        } catch (IOException e) {
            throw new KinoException("Could not write the video " + target + ": " + describe(e, target)
                    + (Files.exists(target) ? "; the earlier file there is unchanged" : "") + ".", e);
        } finally {
            if (temp != null) {
                PartialFiles.discard(temp);
            }
        }
    }

    /**
     * Reads the finished file back: FFmpeg's muxer does not report every failed write (a full disk can cost
     * the index, the moov atom, while stop() returns normally), so a video counts as written only when it
     * opens with its frame count, and its bytes are on disk.
     */
    private static void verify(Path temp, int frames, int width, int height) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(temp,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try (org.bytedeco.javacv.FFmpegFrameGrabber grabber = new org.bytedeco.javacv.FFmpegFrameGrabber(temp.toFile())) {
            grabber.start();
            if (!grabber.hasVideo() || grabber.getLengthInVideoFrames() != frames
                    || grabber.getImageWidth() != width || grabber.getImageHeight() != height) {
                throw new IOException("the written file is incomplete (" + grabber.getLengthInVideoFrames()
                        + " of " + frames + " frames readable)");
            }
        } catch (org.bytedeco.javacv.FrameGrabber.Exception e) {
            throw new IOException("the written file is incomplete (FFmpeg cannot open it: " + e.getMessage() + ")", e);
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

    private static String describe(IOException e, Path target) {
        String msg = String.valueOf(e.getMessage());
        long free = -1;
        try {
            free = Files.getFileStore(target.getParent()).getUsableSpace();
        } catch (IOException | RuntimeException ignored) {
            // the message alone then
        }
        if (msg.contains("No space left") || msg.contains("-28") || (free >= 0 && free < 4L << 20)) {
            return "the disk is full (" + free / 1024 + " KB free in " + target.getParent()
                    + "); free some disk space or choose another output path";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            msg = fse.getReason();
        }
        return msg + "; check the output folder or choose another output path";
    }
}
