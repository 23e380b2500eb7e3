package dev.kino.image;

import dev.kino.image.PilResize.Filter;

/**
 * How a picture whose aspect ratio differs from the video's is brought to the video's size: diffusers'
 * {@code VaeImageProcessor.resize} modes, pixel for pixel.
 */
public enum Fit {
    /** Scale to cover the frame and cut the overflow, centred (diffusers {@code resize_mode="crop"}). */
    CROP,
    /** Scale to fit inside the frame and fill the two bands by stretching the picture's edge rows or columns
     *  (diffusers {@code resize_mode="fill"}); nothing is cut. */
    PAD,
    /** Resize to the frame, changing the aspect ratio (diffusers' default, {@code resize_mode="default"}). */
    STRETCH;

    /** Whether this fit distorts a picture of the given size at the target size (to tell the user). */
    public boolean distorts(int srcWidth, int srcHeight, int width, int height) {
        return this == STRETCH && (long) srcWidth * height != (long) srcHeight * width;
    }

    public RgbImage apply(RgbImage image, int width, int height, Filter filter) {
        return switch (this) {
            case STRETCH -> PilResize.resize(image, width, height, filter);
            case CROP -> crop(image, width, height, filter);
            case PAD -> pad(image, width, height, filter);
        };
    }

    // diffusers' _resize_and_crop: ratios compared in double, sizes by integer floor division
    private static RgbImage crop(RgbImage image, int width, int height, Filter filter) {
        double ratio = (double) width / height;
        double srcRatio = (double) image.width() / image.height();
        int srcW = ratio > srcRatio ? width : image.width() * height / image.height();
        int srcH = ratio <= srcRatio ? height : image.height() * width / image.width();
        RgbImage resized = PilResize.resize(image, srcW, srcH, filter);
        RgbImage out = RgbImage.black(width, height);
        out.paste(resized, width / 2 - srcW / 2, height / 2 - srcH / 2);
        return out;
    }

    // diffusers' _resize_and_fill: the bands are resizes of a zero-height (or zero-width) box at the edge, with
    // PIL's default filter (bicubic): diffusers passes its own filter only to the main resize
    private static RgbImage pad(RgbImage image, int width, int height, Filter filter) {
        double ratio = (double) width / height;
        double srcRatio = (double) image.width() / image.height();
        int srcW = ratio < srcRatio ? width : image.width() * height / image.height();
        int srcH = ratio >= srcRatio ? height : image.height() * width / image.width();
        RgbImage resized = PilResize.resize(image, srcW, srcH, filter);
        RgbImage out = RgbImage.black(width, height);
        out.paste(resized, width / 2 - srcW / 2, height / 2 - srcH / 2);
        Filter band = Filter.BICUBIC;
        if (ratio < srcRatio) {
            int fill = height / 2 - srcH / 2;
            if (fill > 0) {
                out.paste(PilResize.resize(resized, width, fill, band, 0, 0, width, 0), 0, 0);
                out.paste(PilResize.resize(resized, width, fill, band, 0, resized.height(), width, resized.height()),
                        0, fill + srcH);
            }
        } else if (ratio > srcRatio) {
            int fill = width / 2 - srcW / 2;
            if (fill > 0) {
                out.paste(PilResize.resize(resized, fill, height, band, 0, 0, 0, height), 0, 0);
                out.paste(PilResize.resize(resized, fill, height, band, resized.width(), 0, resized.width(), height),
                        fill + srcW, 0);
            }
        }
        return out;
    }
}
