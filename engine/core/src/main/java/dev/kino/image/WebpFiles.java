package dev.kino.image;

import dev.kino.KinoException;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Still WebP pictures, decoded by FFmpeg's WebP decoder (JavaCV) and turned into RGB exactly as libwebp does for
 * PIL (diffusers' {@code load_image}). Lossless WebP holds RGB already; lossy WebP is VP8, a 4:2:0 YUV picture
 * that every conforming decoder reproduces bit for bit, and libwebp's own YUV to RGB step ("fancy" chroma
 * upsampling, its 14-bit fixed-point BT.601 matrix) is reproduced here: generic converters (swscale) differ from
 * it by up to 25 levels at colour edges.
 */
final class WebpFiles {
    private WebpFiles() {
    }

    /** What the RIFF header says the file is. */
    enum Kind { NOT_WEBP, STILL, ANIMATED }

    static Kind kind(Path file) {
        byte[] head = new byte[21];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return Kind.NOT_WEBP;
        }
        String riff = new String(head, 0, Math.min(n, 16), StandardCharsets.US_ASCII);
        if (n < 16 || !riff.startsWith("RIFF") || !riff.startsWith("WEBP", 8)) {
            return Kind.NOT_WEBP;
        }
        // extended format: a VP8X chunk whose flags byte has bit 1 set for animation
        boolean animated = riff.startsWith("VP8X", 12) && n == head.length && (head[20] & 0x02) != 0;
        return animated ? Kind.ANIMATED : Kind.STILL;
    }

    /** @throws KinoException (one sentence) when FFmpeg cannot decode the file */
    static RgbImage read(Path file) {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.setFormat("webp_pipe");
            grabber.setImageMode(FrameGrabber.ImageMode.RAW);     // the decoder's own planes, no conversion
            grabber.start();
            Frame f = grabber.grabImage();
            AVFrame av = f == null ? null : (AVFrame) f.opaque;
            if (av != null && (av.format() == avutil.AV_PIX_FMT_YUV420P || av.format() == avutil.AV_PIX_FMT_YUVA420P)) {
                return fromVp8(av);
            }
        } catch (FrameGrabber.Exception | RuntimeException e) {
            throw unreadable(file);
        }
        return readRgb(file);
    }

    /** Lossless WebP (FFmpeg gives ARGB): the plain RGB24 conversion, a copy of the channels. */
    private static RgbImage readRgb(Path file) {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.setFormat("webp_pipe");
            grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            grabber.start();
            Frame f = grabber.grabImage();
            if (f == null) {
                throw unreadable(file);
            }
            byte[] rgb = new byte[f.imageWidth * f.imageHeight * 3];
            ByteBuffer pixels = (ByteBuffer) f.image[0];
            for (int y = 0; y < f.imageHeight; y++) {
                pixels.position(y * f.imageStride);
                pixels.get(rgb, y * f.imageWidth * 3, f.imageWidth * 3);
            }
            return new RgbImage(f.imageWidth, f.imageHeight, rgb);
        } catch (FrameGrabber.Exception | RuntimeException e) {
            throw unreadable(file);
        }
    }

    private static KinoException unreadable(Path file) {
        return new KinoException("Image " + file + " cannot be read: it looks like a WebP picture but FFmpeg cannot"
                + " decode it (damaged or cut short?); convert it to PNG.");
    }

    /**
     * libwebp's fancy upsampler (src/dsp/upsampling.c): each output pixel's chroma is (9 a + 3 b + 3 c + d + 8) / 16
     * of its four nearest chroma samples (a nearest), with edge samples repeated; the first luma row pairs
     * chroma row 0 with itself, rows 2k-1 and 2k share chroma rows k-1 and k.
     */
    private static RgbImage fromVp8(AVFrame av) {
        int w = av.width();
        int h = av.height();
        int cw = (w + 1) / 2;
        int ch = (h + 1) / 2;
        int[][] u = plane(av, 1, cw, ch);
        int[][] v = plane(av, 2, cw, ch);
        byte[] rgb = new byte[w * h * 3];
        byte[] luma = new byte[w];
        BytePointer yPlane = av.data(0);
        int[] uCol = new int[cw];
        int[] vCol = new int[cw];
        for (int y = 0; y < h; y++) {
            yPlane.position((long) y * av.linesize(0)).get(luma, 0, w);
            int near = y / 2;
            int far = (y & 1) == 1 ? Math.min(near + 1, ch - 1) : Math.max(near - 1, 0);
            for (int k = 0; k < cw; k++) {          // vertical weights 3 : 1, kept at 4x scale
                uCol[k] = 3 * u[near][k] + u[far][k];
                vCol[k] = 3 * v[near][k] + v[far][k];
            }
            for (int x = 0; x < w; x++) {
                int k = x / 2;
                int n = (x & 1) == 0 ? k - 1 : k + 1;   // the horizontal neighbour sample
                int uu;
                int vv;
                if (n < 0 || n >= cw) {
                    uu = (uCol[k] + 2) >> 2;
                    vv = (vCol[k] + 2) >> 2;
                } else {
                    uu = (3 * uCol[k] + uCol[n] + 8) >> 4;
                    vv = (3 * vCol[k] + vCol[n] + 8) >> 4;
                }
                yuvToRgb(luma[x] & 0xff, uu, vv, rgb, (y * w + x) * 3);
            }
        }
        yPlane.position(0);
        return new RgbImage(w, h, rgb);
    }

    private static int[][] plane(AVFrame av, int index, int w, int h) {
        BytePointer p = av.data(index);
        byte[] row = new byte[w];
        int[][] out = new int[h][w];
        for (int y = 0; y < h; y++) {
            p.position((long) y * av.linesize(index)).get(row, 0, w);
            for (int x = 0; x < w; x++) {
                out[y][x] = row[x] & 0xff;
            }
        }
        p.position(0);
        return out;
    }

    /** libwebp's VP8YUVToR/G/B (src/dsp/yuv.h): BT.601 limited range in 14-bit fixed point. */
    static void yuvToRgb(int y, int u, int v, byte[] out, int at) {
        int luma = mulHi(y, 19077);
        out[at] = (byte) clip8(luma + mulHi(v, 26149) - 14234);
        out[at + 1] = (byte) clip8(luma - mulHi(u, 6419) - mulHi(v, 13320) + 8708);
        out[at + 2] = (byte) clip8(luma + mulHi(u, 33050) - 17685);
    }

    private static int mulHi(int v, int coefficient) {
        return (v * coefficient) >> 8;
    }

    private static int clip8(int v) {
        return (v & ~16383) == 0 ? v >> 6 : v < 0 ? 0 : 255;
    }
}
