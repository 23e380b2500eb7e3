package dev.kino.image;

import dev.kino.image.PilResize.Filter;

/**
 * The two image processors of diffusers' Wan image-to-video pipeline, as float tensors.
 *
 * <ul>
 *   <li>{@link #vaeInput}: {@code VideoProcessor.preprocess(image, height, width)}: the picture at the video's
 *       size (PIL resize with the manifest's filter, Lanczos for Wan; see {@link Fit}), then
 *       {@code x / 255 * 2 - 1} in float32, {@code [3, height, width]}.</li>
 *   <li>{@link #clipInput}: transformers' {@code CLIPImageProcessor}: PIL bicubic resize of the shortest edge
 *       to {@code shortestEdge} (the other edge {@code floor(shortestEdge * long / short)}), centre crop,
 *       {@code x / 255} (in double, then float32), {@code (x - mean) / std} in float32, {@code [3, h, w]}.</li>
 * </ul>
 * Both are checked against PIL on pictures of several sizes and aspect ratios (ImagePreprocessingTest).
 */
public final class ImagePreprocessing {
    private ImagePreprocessing() {
    }

    public static float[] vaeInput(RgbImage image, int width, int height, Fit fit, Filter filter) {
        RgbImage sized = fit.apply(image, width, height, filter);
        float[] out = new float[3 * width * height];
        int plane = width * height;
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                float x = (sized.rgb()[p * 3 + c] & 0xff) / 255.0f;
                out[c * plane + p] = 2.0f * x - 1.0f;
            }
        }
        return out;
    }

    /**
     * The 8-bit picture CLIPImageProcessor normalises: shortest edge resized, then centre-cropped; with
     * {@code shortestEdge} 0 (SiglipImageProcessor) resized straight to the crop size.
     */
    public static RgbImage clipCrop(RgbImage image, int shortestEdge, int cropWidth, int cropHeight, Filter filter) {
        int w = image.width();
        int h = image.height();
        if (shortestEdge == 0) {
            return w == cropWidth && h == cropHeight ? image : PilResize.resize(image, cropWidth, cropHeight, filter);
        }
        int newW;
        int newH;
        if (w <= h) {
            newW = shortestEdge;
            newH = (int) (shortestEdge * (double) h / w);
        } else {
            newH = shortestEdge;
            newW = (int) (shortestEdge * (double) w / h);
        }
        RgbImage resized = (newW == w && newH == h) ? image : PilResize.resize(image, newW, newH, filter);
        int top = (newH - cropHeight) / 2;
        int left = (newW - cropWidth) / 2;
        if (top < 0 || left < 0) {
            RgbImage padded = RgbImage.black(Math.max(newW, cropWidth), Math.max(newH, cropHeight));
            padded.paste(resized, Math.max(0, -left), Math.max(0, -top));
            return padded.crop(Math.max(0, left), Math.max(0, top), cropWidth, cropHeight);
        }
        return resized.crop(left, top, cropWidth, cropHeight);
    }

    public static float[] clipInput(RgbImage image, int shortestEdge, int cropWidth, int cropHeight, Filter filter,
                                    float[] mean, float[] std) {
        RgbImage crop = clipCrop(image, shortestEdge, cropWidth, cropHeight, filter);
        int plane = cropWidth * cropHeight;
        float[] out = new float[3 * plane];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                float x = (float) ((crop.rgb()[p * 3 + c] & 0xff) * (1.0 / 255.0));
                out[c * plane + p] = (x - mean[c]) / std[c];
            }
        }
        return out;
    }
}
