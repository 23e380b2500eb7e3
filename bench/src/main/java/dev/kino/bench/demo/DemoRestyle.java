package dev.kino.bench.demo;

import dev.kino.bench.demo.DemoContinuation.Shot;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.video.Mp4Reader;
import dev.kino.video.Mp4Writer;
import dev.kino.video.VideoFrames;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Does video-to-video restyle a clip and keep its motion? Each source clip is generated from text and written
 * as the MP4 {@code kino generate} writes (4x Lanczos upscale); it is then restyled from that file
 * ({@code --source-video}, {@code --strength}) with a prompt naming another colour and the same shape and
 * direction, written and decoded back the same way, and measured with {@link ClipScorer}: the new colour
 * taken, the direction kept, and how far the object is from where it was in the source, frame by frame (the
 * motion kept, not only its direction).
 */
public final class DemoRestyle {
    /** One restyled clip of a source clip. */
    public record Restyle(Shot source, Shot restyled, double strength, String color, String direction) {
        public boolean colorTaken() {
            return restyled.measured() != null && restyled.measured().color().equals(color);
        }

        public boolean directionKept() {
            return restyled.measured() != null && restyled.measured().direction().equals(direction);
        }

        /** Mean distance (px of the 64-pixel frame) between the object in the source and in the restyle, per frame. */
        public double pathOffset() {
            double sum = 0;
            int n = 0;
            for (int f = 0; f < source.centroids().length; f++) {
                double[] a = source.centroids()[f];
                double[] b = f < restyled.centroids().length ? restyled.centroids()[f] : null;
                if (a == null || b == null) {
                    return Double.POSITIVE_INFINITY;
                }
                sum += Math.hypot(a[0] - b[0], a[1] - b[1]);
                n++;
            }
            return n == 0 ? Double.POSITIVE_INFINITY : sum / n;
        }
    }

    private DemoRestyle() {
    }

    /**
     * The grid: {@code sources} clips (colour i % 6, shape i % 3, direction i % 4; seed 900 + i), each restyled
     * to colour (i + 3) % 6 at every strength (seed 1100 + i).
     */
    public static List<Restyle> run(TextToVideoPipeline kino, int sources, double[] strengths, Path scratch) {
        List<Restyle> out = new ArrayList<>();
        String[] colors = DemoContinuation.COLORS;
        for (int i = 0; i < sources; i++) {
            String shape = DemoContinuation.SHAPES[i % DemoContinuation.SHAPES.length];
            String direction = DemoContinuation.DIRECTIONS[i % 4];
            Path mp4 = scratch.resolve("source-" + i + ".mp4");
            Shot source = shot(kino, DemoContinuation.prompt(colors[i % colors.length], shape, direction), 900 + i,
                    null, 0, mp4);
            String color = colors[(i + 3) % colors.length];
            for (double s : strengths) {
                Shot restyled = shot(kino, DemoContinuation.prompt(color, shape, direction), 1100 + i, mp4, s,
                        scratch.resolve("restyled.mp4"));
                out.add(new Restyle(source, restyled, s, color, direction));
            }
        }
        return out;
    }

    /** One generation (restyling {@code from} at {@code strength} when not null), written to {@code mp4}, decoded back. */
    static Shot shot(TextToVideoPipeline kino, String prompt, long seed, Path from, double strength, Path mp4) {
        GenerationRequest.Builder request = GenerationRequest.builder(prompt).seed(seed);
        if (from != null) {
            request.sourceVideo(from).strength(strength);
        }
        GenerationResult r = kino.generate(request.build(), e -> true);
        Mp4Writer.write(r.frames(), r.settings().fps(), mp4, DemoContinuation.UPSCALE);
        VideoFrames decoded = Mp4Reader.read(mp4).frames();
        return new Shot(prompt, seed, decoded, ClipScorer.measure(decoded), ClipScorer.centroids(decoded));
    }
}
