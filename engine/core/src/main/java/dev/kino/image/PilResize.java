package dev.kino.image;

/**
 * PIL's {@code Image.resize} for 8-bit RGB images (Pillow's {@code libImaging/Resample.c}), so that Kino's
 * preprocessing gives the pixels diffusers' and transformers' processors give.
 *
 * <p>Separable convolution: for each output column (then row) the filter is evaluated in double precision
 * on the input pixels it covers, stretched by the downscale factor, normalised to sum 1, and turned into
 * 22-bit fixed-point integers; the horizontal pass is rounded and clipped to 8 bits before the vertical
 * pass, exactly as Pillow does. A {@code box} selects the source region (float pixel coordinates), as
 * Pillow's {@code resize(size, box=...)}.
 */
public final class PilResize {
    /** Resampling filters with Pillow's definitions and supports. */
    public enum Filter {
        BILINEAR(1.0), BICUBIC(2.0), LANCZOS(3.0);

        final double support;

        Filter(double support) {
            this.support = support;
        }

        double weight(double x) {
            switch (this) {
                case BILINEAR -> {
                    x = Math.abs(x);
                    return x < 1.0 ? 1.0 - x : 0.0;
                }
                case BICUBIC -> {
                    double a = -0.5;
                    x = Math.abs(x);
                    if (x < 1.0) {
                        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                    }
                    return x < 2.0 ? (((x - 5) * x + 8) * x - 4) * a : 0.0;
                }
                default -> {
                    return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
                }
            }
        }

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            x = x * Math.PI;
            return Math.sin(x) / x;
        }

        /** By the names the manifests use ("lanczos", "bicubic", "bilinear"). */
        public static Filter named(String name) {
            return Filter.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResize() {
    }

    public static RgbImage resize(RgbImage in, int width, int height, Filter filter) {
        return resize(in, width, height, filter, 0, 0, in.width(), in.height());
    }

    /** {@code box} = (x0, y0, x1, y1) in source pixels. */
    public static RgbImage resize(RgbImage in, int width, int height, Filter filter, double x0, double y0,
                                  double x1, double y1) {
        boolean horizontal = width != in.width() || x0 != 0 || x1 != width;
        boolean vertical = height != in.height() || y0 != 0 || y1 != height;
        Coefficients h = new Coefficients(in.width(), x0, x1, width, filter);
        Coefficients v = new Coefficients(in.height(), y0, y1, height, filter);
        RgbImage img = in;
        if (horizontal) {
            // only the rows the vertical pass reads: Pillow's ybox_first .. ybox_last
            int first = v.bounds[0];
            int last = v.bounds[2 * (height - 1)] + v.bounds[2 * (height - 1) + 1];
            for (int i = 0; i < height; i++) {
                v.bounds[2 * i] -= first;
            }
            img = horizontalPass(img, first, last - first, h);
        }
        if (vertical) {
            img = verticalPass(img, v);
        }
        return img == in ? new RgbImage(in.width(), in.height(), in.rgb().clone()) : img;
    }

    private static RgbImage horizontalPass(RgbImage in, int rowOffset, int rows, Coefficients c) {
        int w = c.bounds.length / 2;
        byte[] out = new byte[w * rows * 3];
        for (int y = 0; y < rows; y++) {
            int rowBase = (y + rowOffset) * in.width();
            for (int x = 0; x < w; x++) {
                int min = c.bounds[2 * x];
                int n = c.bounds[2 * x + 1];
                int k = x * c.size;
                for (int ch = 0; ch < 3; ch++) {
                    long ss = 1L << (PRECISION_BITS - 1);
                    for (int i = 0; i < n; i++) {
                        ss += (long) (in.rgb()[(rowBase + min + i) * 3 + ch] & 0xff) * c.fixed[k + i];
                    }
                    out[(y * w + x) * 3 + ch] = clip8(ss);
                }
            }
        }
        return new RgbImage(w, rows, out);
    }

    private static RgbImage verticalPass(RgbImage in, Coefficients c) {
        int h = c.bounds.length / 2;
        int w = in.width();
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            int min = c.bounds[2 * y];
            int n = c.bounds[2 * y + 1];
            int k = y * c.size;
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    long ss = 1L << (PRECISION_BITS - 1);
                    for (int i = 0; i < n; i++) {
                        ss += (long) (in.rgb()[((min + i) * w + x) * 3 + ch] & 0xff) * c.fixed[k + i];
                    }
                    out[(y * w + x) * 3 + ch] = clip8(ss);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static byte clip8(long ss) {
        if (ss >= (1L << PRECISION_BITS << 8)) {
            return (byte) 255;
        }
        return ss <= 0 ? 0 : (byte) (ss >> PRECISION_BITS);
    }

    /** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis. */
    private static final class Coefficients {
        final int size;
        final int[] bounds;     // per output pixel: first input pixel, count
        final int[] fixed;      // per output pixel: size fixed-point weights

        Coefficients(int inSize, double in0, double in1, int outSize, Filter filter) {
            double scale = (in1 - in0) / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            size = (int) Math.ceil(support) * 2 + 1;
            bounds = new int[outSize * 2];
            fixed = new int[outSize * size];
            double[] k = new double[size];
            for (int xx = 0; xx < outSize; xx++) {
                double center = in0 + (xx + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    k[x] = filter.weight((x + xmin - center + 0.5) * ss);
                    ww += k[x];
                }
                for (int x = 0; x < size; x++) {
                    double w = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
                    fixed[xx * size + x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
                }
                bounds[2 * xx] = xmin;
                bounds[2 * xx + 1] = xmax;
            }
        }
    }
}
