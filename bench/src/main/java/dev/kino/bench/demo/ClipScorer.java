package dev.kino.bench.demo;

import dev.kino.video.VideoFrames;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures what the demo model's clips show: the moving object's colour, shape, direction of motion and
 * the distance it travels. The rules are the demo model's scorer spec (models/demo/README.md, "Scorer spec";
 * models/demo/scorer.py is the Python twin), chosen to read 100% on ground-truth clips:
 * <ol>
 *   <li>background = per-channel median of all pixels of all frames; a pixel's distance d = max over R, G, B of
 *       |pixel − background|;</li>
 *   <li>contrast k = 90th percentile of d over pixels with d &gt; 48; object mask d &gt; k/2, colour core
 *       d &gt; 3k/4; a frame counts when its mask covers at least 0.3% of it; a clip needs half its frames;</li>
 *   <li>colour = palette entry nearest (Euclidean RGB) to the mean core colour;</li>
 *   <li>direction from least-squares slopes of the mask centroid over frames; distance = slope length ×
 *       (frames − 1) in pixels of a 64-pixel frame;</li>
 *   <li>shape from the median fill ratio of the mask's bounding box and how far the centroid drops below the
 *       box centre: triangle if drop &gt; 0.05 (an upright triangle's centroid is h/6 below it), else square if
 *       fill &ge; 0.87 (a circle's is &pi;/4 &asymp; 0.785), else circle.</li>
 * </ol>
 */
public final class ClipScorer {
    /** The demo world's colours (RGB), as models/demo/data.py renders them. */
    public static final Map<String, int[]> PALETTE = palette();
    private static final double COARSE = 48;
    private static final double MIN_AREA = 0.003;
    private static final double SQUARE_FILL = 0.87;
    private static final double TRIANGLE_DROP = 0.05;

    /** What one clip shows. */
    public record Measurement(String color, String shape, String direction, double distance, double fill,
                              double drop, int framesCounted) {
    }

    private ClipScorer() {
    }

    private static Map<String, int[]> palette() {
        Map<String, int[]> p = new LinkedHashMap<>();
        p.put("red", new int[] {220, 50, 50});
        p.put("green", new int[] {50, 200, 70});
        p.put("blue", new int[] {60, 100, 240});
        p.put("yellow", new int[] {235, 215, 50});
        p.put("white", new int[] {235, 235, 235});
        p.put("purple", new int[] {160, 70, 210});
        return java.util.Collections.unmodifiableMap(p);
    }

    /** Per-pixel distance from the clip's background, and the object contrast k (steps 1-2 of the spec). */
    private record Differences(float[][] d, double k) {
    }

    private static Differences differences(VideoFrames video) {
        int nf = video.count();
        int pixels = video.width() * video.height();
        double[] bg = new double[3];
        for (int c = 0; c < 3; c++) {
            bg[c] = medianOfChannel(video, c);
        }
        float[][] d = new float[nf][pixels];
        List<Float> coarse = new ArrayList<>();
        for (int f = 0; f < nf; f++) {
            byte[] rgb = video.frame(f);
            for (int p = 0; p < pixels; p++) {
                double m = 0;
                for (int c = 0; c < 3; c++) {
                    m = Math.max(m, Math.abs((rgb[p * 3 + c] & 0xff) - bg[c]));
                }
                d[f][p] = (float) m;
                if (m > COARSE) {
                    coarse.add((float) m);
                }
            }
        }
        return coarse.isEmpty() ? null : new Differences(d, percentile(coarse, 0.90));
    }

    /**
     * The object's centroid {x, y} in each frame, in pixels of the 64-pixel frame (the mask of step 2, the
     * centroid of step 4); null for a frame the spec does not count (object smaller than 0.3% of the frame).
     */
    public static double[][] centroids(VideoFrames video) {
        Differences diff = differences(video);
        double[][] out = new double[video.count()][];
        int w = video.width();
        int pixels = w * video.height();
        double unit = 64.0 / w;
        for (int f = 0; diff != null && f < out.length; f++) {
            int area = 0;
            double sx = 0;
            double sy = 0;
            for (int p = 0; p < pixels; p++) {
                if (diff.d()[f][p] > diff.k() / 2) {
                    area++;
                    sx += p % w + 0.5;
                    sy += p / w + 0.5;
                }
            }
            out[f] = area < MIN_AREA * pixels ? null : new double[] {sx / area * unit, sy / area * unit};
        }
        return out;
    }

    /** The measurement, or null when no moving object can be found. */
    public static Measurement measure(VideoFrames video) {
        int nf = video.count();
        int w = video.width();
        int h = video.height();
        int pixels = w * h;
        Differences diff = differences(video);
        if (diff == null) {
            return null;
        }
        float[][] d = diff.d();
        double k = diff.k();
        List<Double> ts = new ArrayList<>();
        List<Double> cxs = new ArrayList<>();
        List<Double> cys = new ArrayList<>();
        List<Double> fills = new ArrayList<>();
        List<Double> drops = new ArrayList<>();
        double[] rgbSum = new double[3];
        long rgbCount = 0;
        for (int f = 0; f < nf; f++) {
            int area = 0;
            double sx = 0;
            double sy = 0;
            double x0 = Double.MAX_VALUE;
            double x1 = -Double.MAX_VALUE;
            double y0 = Double.MAX_VALUE;
            double y1 = -Double.MAX_VALUE;
            for (int p = 0; p < pixels; p++) {
                if (d[f][p] > k / 2) {
                    double x = p % w + 0.5;
                    double y = p / w + 0.5;
                    area++;
                    sx += x;
                    sy += y;
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
            if (area < MIN_AREA * pixels) {
                continue;
            }
            double bx0 = x0 - 0.5;
            double bx1 = x1 + 0.5;
            double by0 = y0 - 0.5;
            double by1 = y1 + 0.5;
            double cy = sy / area;
            ts.add((double) f);
            cxs.add(sx / area);
            cys.add(cy);
            fills.add(area / ((bx1 - bx0) * (by1 - by0)));
            drops.add((cy - (by0 + by1) / 2) / (by1 - by0));
            byte[] rgb = video.frame(f);
            for (int p = 0; p < pixels; p++) {
                if (d[f][p] > 0.75 * k) {
                    for (int c = 0; c < 3; c++) {
                        rgbSum[c] += rgb[p * 3 + c] & 0xff;
                    }
                    rgbCount++;
                }
            }
        }
        if (ts.size() < nf / 2.0) {
            return null;
        }
        String color = nearestColor(rgbSum[0] / rgbCount, rgbSum[1] / rgbCount, rgbSum[2] / rgbCount);
        double slopeX = slope(ts, cxs);
        double slopeY = slope(ts, cys);
        String direction = Math.abs(slopeX) >= Math.abs(slopeY) ? (slopeX > 0 ? "right" : "left")
                : (slopeY > 0 ? "down" : "up");
        double fill = median(fills);
        double drop = median(drops);
        String shape = drop > TRIANGLE_DROP ? "triangle" : fill >= SQUARE_FILL ? "square" : "circle";
        double distance = Math.hypot(slopeX, slopeY) * (nf - 1) * 64.0 / w;
        return new Measurement(color, shape, direction, distance, fill, drop, ts.size());
    }

    /** numpy's median of one channel over every pixel of every frame (counting, the values are bytes). */
    private static double medianOfChannel(VideoFrames video, int channel) {
        long[] hist = new long[256];
        long n = 0;
        for (int f = 0; f < video.count(); f++) {
            byte[] rgb = video.frame(f);
            for (int p = channel; p < rgb.length; p += 3) {
                hist[rgb[p] & 0xff]++;
                n++;
            }
        }
        return (valueAt(hist, (n - 1) / 2) + valueAt(hist, n / 2)) / 2.0;
    }

    private static int valueAt(long[] hist, long index) {
        long seen = 0;
        for (int v = 0; v < 256; v++) {
            seen += hist[v];
            if (seen > index) {
                return v;
            }
        }
        return 255;
    }

    /** numpy's default (linear) percentile. */
    private static double percentile(List<Float> values, double q) {
        float[] sorted = new float[values.size()];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = values.get(i);
        }
        Arrays.sort(sorted);
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static double median(List<Double> values) {
        double[] s = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Least-squares slope of y over t. */
    private static double slope(List<Double> t, List<Double> y) {
        double mt = t.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double my = y.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double num = 0;
        double den = 0;
        for (int i = 0; i < t.size(); i++) {
            num += (t.get(i) - mt) * (y.get(i) - my);
            den += (t.get(i) - mt) * (t.get(i) - mt);
        }
        return den == 0 ? 0 : num / den;
    }

    private static String nearestColor(double r, double g, double b) {
        String best = null;
        double bestDist = Double.MAX_VALUE;
        for (Map.Entry<String, int[]> e : PALETTE.entrySet()) {
            int[] c = e.getValue();
            double dist = (c[0] - r) * (c[0] - r) + (c[1] - g) * (c[1] - g) + (c[2] - b) * (c[2] - b);
            if (dist < bestDist) {
                bestDist = dist;
                best = e.getKey();
            }
        }
        return best;
    }
}
