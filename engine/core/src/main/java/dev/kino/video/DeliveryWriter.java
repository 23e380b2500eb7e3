package dev.kino.video;

import dev.kino.KinoException;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.FrameRecorder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Writes the editing deliverables with FFmpeg's own encoders: Apple ProRes 422 HQ in a {@code .mov}
 * ({@code prores_ks}, profile 3, 10-bit 4:2:2) and 16-bit RGB PNG sequences ({@code rgb48be}).
 *
 * <p>Kino's frames are 8-bit RGB ({@link VideoFrames}); a 16-bit PNG holds each value exactly as
 * {@code v * 257} (0..255 spread over 0..65535), so nothing is rounded twice on the way to an editor. Frames
 * stream in one at a time ({@link #add(byte[])} or, for a cut of decoded takes, {@link #add(Frame)}), into a
 * hidden partial file or folder that replaces the target only when complete and read back.
 */
public final class DeliveryWriter implements AutoCloseable {
    /** ProRes profile 3: 422 HQ. */
    public static final int PRORES_HQ = 3;
    /** The PNG sequence's file names (FFmpeg's image2 pattern, numbered from 1). */
    public static final String PNG_PATTERN = "frame-%04d.png";

    /** What was written: a {@code .mov} file or a folder of PNGs. */
    public record Written(Path path, DeliveryFormat format, int width, int height, int frames) {
    }

    private final DeliveryFormat format;
    private final Path target;
    private final Path temp;
    private final FFmpegFrameRecorder recorder;
    private final int width;
    private final int height;
    private int frames;
    private boolean done;

    private DeliveryWriter(DeliveryFormat format, Path target, Path temp, FFmpegFrameRecorder recorder, int width,
                           int height) {
        this.format = format;
        this.target = target;
        this.temp = temp;
        this.recorder = recorder;
        this.width = width;
        this.height = height;
    }

    /** Writes all of {@code video} at {@code fps} as {@code format} to {@code target}. */
    public static Written write(VideoFrames video, int fps, DeliveryFormat format, Path target) {
        try (DeliveryWriter w = open(format, target, video.width(), video.height(), fps)) {
            for (int i = 0; i < video.count(); i++) {
                w.add(video.frame(i));
            }
            return w.finish();
        }
    }

    /**
     * Starts a {@code format} deliverable of {@code width x height} at {@code fps}: {@code target} is the
     * {@code .mov} file, or the folder of PNGs.
     */
    public static DeliveryWriter open(DeliveryFormat format, Path target, int width, int height, int fps) {
        if (format == DeliveryFormat.MP4) {
            throw new IllegalArgumentException("MP4s are written by Mp4Writer");
        }
        if (format == DeliveryFormat.PRORES && (width % 2 != 0)) {
            throw new KinoException("ProRes 4:2:2 needs an even width, but the video is " + width + "x" + height
                    + "; pick another size.");
        }
        Path dest = Mp4Writer.writeThrough(target);
        Path temp = null;
        FFmpegFrameRecorder rec = null;
        try {
            Files.createDirectories(dest.getParent());
            if (format == DeliveryFormat.PRORES) {
                temp = PartialFiles.newFile(dest.getParent());
                rec = new FFmpegFrameRecorder(temp.toFile(), width, height, 0);
                rec.setFormat("mov");
                rec.setVideoCodecName("prores_ks");
                rec.setVideoCodec(avcodec.AV_CODEC_ID_PRORES);
                rec.setPixelFormat(avutil.AV_PIX_FMT_YUV422P10LE);
                rec.setVideoOption("profile", Integer.toString(PRORES_HQ));
                rec.setVideoOption("vendor", "apl0"); // what Apple's encoder writes; some editors look for it
            } else {
                temp = PartialFiles.newFolder(dest.getParent());
                rec = new FFmpegFrameRecorder(temp.resolve(PNG_PATTERN).toString(), width, height, 0);
                rec.setFormat("image2");
                rec.setVideoCodec(avcodec.AV_CODEC_ID_PNG);
                rec.setPixelFormat(avutil.AV_PIX_FMT_RGB48BE);
            }
            rec.setFrameRate(fps);
            rec.start();
            return new DeliveryWriter(format, dest, temp, rec, width, height);
        } catch (IOException e) { // FrameRecorder.Exception is one
            if (rec != null) {
                release(rec);
            }
            if (temp != null) {
                PartialFiles.discard(temp);
            }
            throw new KinoException("Could not start the " + format + " file " + dest + ": " + e.getMessage()
                    + "; check the output folder.", e);
        }
    }

    /** Adds one frame of interleaved 8-bit RGB, {@code width * height * 3} bytes. */
    public void add(byte[] rgb) {
        try {
            if (format == DeliveryFormat.PNG16) {
                // 16 bits built here (v * 257, exact) so the PNGs hold the frame's values, not a scaler's guess.
                Frame f = new Frame(width, height, Frame.DEPTH_USHORT, 3);
                ShortBuffer px = (ShortBuffer) f.image[0];
                int stride = f.imageStride;
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width * 3; x++) {
                        px.put(y * stride + x, (short) ((rgb[y * width * 3 + x] & 0xff) * 257));
                    }
                }
                recorder.record(f, avutil.AV_PIX_FMT_RGB48);
            } else {
                Frame f = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
                ByteBuffer px = (ByteBuffer) f.image[0];
                for (int y = 0; y < height; y++) {
                    px.position(y * f.imageStride);
                    px.put(rgb, y * width * 3, width * 3);
                }
                px.rewind();
                recorder.record(f, avutil.AV_PIX_FMT_RGB24);
            }
            frames++;
        } catch (FrameRecorder.Exception e) {
            throw failed(e);
        }
    }

    /** Adds one decoded frame (as {@link FFmpegFrameGrabber#grabImage()} returns it) of the same size. */
    public void add(Frame frame) {
        try {
            recorder.record(frame);
            frames++;
        } catch (FrameRecorder.Exception e) {
            throw failed(e);
        }
    }

    /** Ends the file, reads it back and puts it at the target, replacing an earlier one. */
    public Written finish() {
        try {
            recorder.stop();
            verify();
            if (format == DeliveryFormat.PNG16 && Files.isDirectory(target)) {
                // A folder cannot be renamed over a full one: move the old one aside first, then drop it.
                Path old = PartialFiles.newFolder(target.getParent());
                Files.delete(old);
                Files.move(target, old);
                PartialFiles.commitReplacing(temp, target);
                PartialFiles.discard(old);
            } else {
                PartialFiles.commitReplacing(temp, target);
            }
            done = true;
            return new Written(target, format, width, height, frames);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private void verify() throws IOException {
        if (format == DeliveryFormat.PNG16) {
            try (Stream<Path> files = Files.list(temp)) {
                long n = files.filter(p -> p.getFileName().toString().endsWith(".png")).count();
                if (n != frames) {
                    throw new IOException("only " + n + " of " + frames + " PNGs were written");
                }
            }
            return;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(temp,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(temp.toFile())) {
            g.start();
            if (g.getVideoCodec() != avcodec.AV_CODEC_ID_PRORES || g.getLengthInVideoFrames() != frames) {
                throw new IOException("the written file is incomplete (" + g.getLengthInVideoFrames() + " of "
                        + frames + " frames readable)");
            }
        } catch (FrameGrabber.Exception e) {
            throw new IOException("the written file is incomplete (FFmpeg cannot open it: " + e.getMessage() + ")", e);
        }
    }

    private KinoException failed(Exception e) {
        return new KinoException("Could not write the " + format + " deliverable " + target + ": " + e.getMessage()
                + (Files.exists(target) ? "; the earlier one there is unchanged" : "") + "; check the disk.", e);
    }

    /** Drops an unfinished deliverable: the target stays as it was. */
    @Override
    public void close() {
        release(recorder);
        if (!done) {
            PartialFiles.discard(temp);
        }
    }

    private static void release(FFmpegFrameRecorder rec) {
        try {
            rec.release();
        } catch (FrameRecorder.Exception ignored) {
            // nothing more to free
        }
    }
}
