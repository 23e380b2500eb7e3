package dev.kino.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifDirectoryBase;
import com.drew.metadata.exif.ExifIFD0Directory;

import java.nio.file.Path;

/**
 * The EXIF orientation tag (a phone's JPEG is stored sideways and tagged 6 or 8) and the turn that puts the
 * picture upright, as diffusers' {@code load_image} does with {@code PIL.ImageOps.exif_transpose}. The tag is read
 * by metadata-extractor from JPEG APP1, PNG eXIf and WebP EXIF alike.
 */
final class ExifOrientation {
    private ExifOrientation() {
    }

    /** The tag's value (1 = upright, 2..8 a flip and/or turn); 1 when absent or unreadable. */
    static int read(Path file) {
        try {
            Metadata metadata = ImageMetadataReader.readMetadata(file.toFile());
            ExifIFD0Directory ifd0 = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (ifd0 != null && ifd0.containsTag(ExifDirectoryBase.TAG_ORIENTATION)) {
                return ifd0.getInt(ExifDirectoryBase.TAG_ORIENTATION);
            }
        } catch (Exception e) {
            // no (readable) EXIF: PIL's getexif() is empty then and exif_transpose leaves the picture as it is
        }
        return 1;
    }

    /**
     * The upright picture: PIL's transpose for each tag (2 mirror, 3 half turn, 4 flip, 5 transpose, 6 quarter
     * turn clockwise, 7 transverse, 8 quarter turn anticlockwise); other values leave it unchanged.
     */
    static RgbImage apply(RgbImage img, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return img;
        }
        int w = img.width();
        int h = img.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] src = img.rgb();
        byte[] out = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; }
                }
                System.arraycopy(src, (sy * w + sx) * 3, out, (y * ow + x) * 3, 3);
            }
        }
        return new RgbImage(ow, oh, out);
    }
}
