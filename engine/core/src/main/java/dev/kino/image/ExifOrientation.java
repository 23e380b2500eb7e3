package dev.kino.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.lang.ByteArrayReader;
import com.drew.lang.KeyValuePair;
import com.drew.metadata.Metadata;
import com.drew.metadata.MetadataException;
import com.drew.metadata.exif.ExifDirectoryBase;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;
import com.drew.metadata.png.PngDirectory;
import com.drew.metadata.xmp.XmpDirectory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * The EXIF orientation tag (a phone's JPEG is stored sideways and tagged 6 or 8) and the turn that puts the
 * picture upright, as diffusers' {@code load_image} does with {@code PIL.ImageOps.exif_transpose}. The tag is read
 * by metadata-extractor from where Pillow's {@code getexif()} finds it: JPEG APP1, PNG eXIf, WebP EXIF, a PNG's
 * "Raw profile type exif" text (ImageMagick keeps a JPEG's EXIF there) and, when those have none, a PNG's XMP
 * {@code tiff:Orientation}.
 */
final class ExifOrientation {
    private ExifOrientation() {
    }

    /** The tag's value (1 = upright, 2..8 a flip and/or turn); 1 when absent or unreadable. */
    static int read(Path file) {
        try {
            Metadata metadata = ImageMetadataReader.readMetadata(file.toFile());
            Integer tag = orientation(metadata);
            if (tag == null && metadata.getFirstDirectoryOfType(PngDirectory.class) != null) {
                tag = pngText(metadata);
            }
            return tag == null ? 1 : tag;
        } catch (Exception e) {
            // no (readable) metadata: PIL's getexif() is empty then and exif_transpose leaves the picture as it is
            return 1;
        }
    }

    private static Integer orientation(Metadata metadata) throws MetadataException {
        ExifIFD0Directory ifd0 = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
        return ifd0 != null && ifd0.containsTag(ExifDirectoryBase.TAG_ORIENTATION)
                ? ifd0.getInt(ExifDirectoryBase.TAG_ORIENTATION) : null;
    }

    /** PNG text chunks: the hex EXIF of "Raw profile type exif" (after its 3 header lines), else the XMP. */
    private static Integer pngText(Metadata metadata) throws MetadataException {
        for (PngDirectory png : metadata.getDirectoriesOfType(PngDirectory.class)) {
            Object text = png.getObject(PngDirectory.TAG_TEXTUAL_DATA);
            if (!(text instanceof List<?> pairs)) {
                continue;
            }
            for (Object o : pairs) {
                if (o instanceof KeyValuePair kv && kv.getKey().equals("Raw profile type exif")) {
                    String[] lines = kv.getValue().toString().split("\n", 4);
                    byte[] exif = lines.length < 4 ? new byte[0]
                            : HexFormat.of().parseHex(lines[3].replaceAll("\\s", ""));
                    boolean header = exif.length >= 6
                            && new String(exif, 0, 6, StandardCharsets.ISO_8859_1).equals("Exif\0\0");
                    int start = header ? 6 : 0;
                    Metadata raw = new Metadata();
                    new ExifReader().extract(new ByteArrayReader(exif), raw, start);
                    Integer tag = orientation(raw);
                    if (tag != null) {
                        return tag;
                    }
                }
            }
        }
        XmpDirectory xmp = metadata.getFirstDirectoryOfType(XmpDirectory.class);
        String value = xmp == null ? null : xmp.getXmpProperties().get("tiff:Orientation");
        // Pillow's regex takes the first digit: tiff:Orientation(="|>)([0-9])
        return value != null && !value.isEmpty() && Character.isDigit(value.charAt(0)) ? value.charAt(0) - '0' : null;
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
