package dev.kino.sweep.quality;

/**
 * Structural similarity (Wang, Bovik, Sheikh and Simoncelli, 2004) between two 8-bit RGB frames, computed on
 * luma as the paper and its reference MATLAB code do: {@code Y = 0.299 R + 0.587 G + 0.114 B} (BT.601, no
 * offset), an 11×11 Gaussian window with σ = 1.5, {@code K1 = 0.01}, {@code K2 = 0.03}, {@code L = 255}, and
 * the mean of the SSIM map over the "valid" region (window fully inside the frame, no padding). The paper's
 * later code also downsamples frames larger than 256 px first; this does not, so large frames score a little
 * lower than with that code.
 *
 * <p>SSIM is 1 for identical frames and falls towards 0 (it can go negative) as local means, contrasts and
 * structure diverge. It ignores colour (luma only) and, like PSNR, compares against one reference, not
 * against what looks right.
 */
public final class Ssim {
    public static final int WINDOW = 11;
    public static final double SIGMA = 1.5;
    private static final double C1 = Math.pow(0.01 * 255, 2);
    private static final double C2 = Math.pow(0.03 * 255, 2);
    private static final double[] KERNEL = gaussian(WINDOW, SIGMA);

    private Ssim() {
    }

    /** Mean SSIM of frame {@code a} against {@code b}, both {@code width × height} interleaved RGB. */
    public static double frame(byte[] a, byte[] b, int width, int height) {
        if (width < WINDOW || height < WINDOW) {
            throw new IllegalArgumentException("SSIM needs frames of at least " + WINDOW + "×" + WINDOW
                    + " pixels, not " + width + "×" + height);
        }
        double[] x = luma(a, width, height);
        double[] y = luma(b, width, height);
        double[] xx = new double[x.length];
        double[] yy = new double[x.length];
        double[] xy = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xx[i] = x[i] * x[i];
            yy[i] = y[i] * y[i];
            xy[i] = x[i] * y[i];
        }
        int ow = width - WINDOW + 1;
        int oh = height - WINDOW + 1;
        double[] muX = blurValid(x, width, height);
        double[] muY = blurValid(y, width, height);
        double[] eXX = blurValid(xx, width, height);
        double[] eYY = blurValid(yy, width, height);
        double[] eXY = blurValid(xy, width, height);
        double sum = 0;
        for (int i = 0; i < ow * oh; i++) {
            double mx = muX[i];
            double my = muY[i];
            double varX = eXX[i] - mx * mx;
            double varY = eYY[i] - my * my;
            double cov = eXY[i] - mx * my;
            sum += ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (varX + varY + C2));
        }
        return sum / (ow * oh);
    }

    static double[] luma(byte[] rgb, int width, int height) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("frame of " + rgb.length + " bytes is not " + width + "×" + height + " RGB");
        }
        double[] y = new double[width * height];
        for (int p = 0; p < y.length; p++) {
            y[p] = 0.299 * (rgb[3 * p] & 0xff) + 0.587 * (rgb[3 * p + 1] & 0xff) + 0.114 * (rgb[3 * p + 2] & 0xff);
        }
        return y;
    }

    /** Separable Gaussian filter keeping only positions where the whole window fits. */
    private static double[] blurValid(double[] img, int width, int height) {
        int ow = width - WINDOW + 1;
        int oh = height - WINDOW + 1;
        double[] rows = new double[ow * height];
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < ow; c++) {
                double s = 0;
                for (int k = 0; k < WINDOW; k++) {
                    s += KERNEL[k] * img[r * width + c + k];
                }
                rows[r * ow + c] = s;
            }
        }
        double[] out = new double[ow * oh];
        for (int r = 0; r < oh; r++) {
            for (int c = 0; c < ow; c++) {
                double s = 0;
                for (int k = 0; k < WINDOW; k++) {
                    s += KERNEL[k] * rows[(r + k) * ow + c];
                }
                out[r * ow + c] = s;
            }
        }
        return out;
    }

    private static double[] gaussian(int size, double sigma) {
        double[] k = new double[size];
        double sum = 0;
        int half = size / 2;
        for (int i = 0; i < size; i++) {
            k[i] = Math.exp(-((i - half) * (i - half)) / (2 * sigma * sigma));
            sum += k[i];
        }
        for (int i = 0; i < size; i++) {
            k[i] /= sum;
        }
        return k;
    }
}
