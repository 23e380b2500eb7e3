package dev.kino.bench.demo;

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
 * Does the demo model continue a shot? Each first shot is generated from text alone and written as the MP4
 * {@code kino generate} writes (4x Lanczos upscale); each second shot continues from that file
 * ({@code --continue-from}: its last decoded frame is the new first frame) in every direction, and is
 * written and decoded back the same way. Measured with {@link ClipScorer}: where the object is in the
 * second shot's first frame against the first shot's last frame, its colour and its direction.
 */
public final class DemoContinuation {
    /** {@code kino generate}'s {@code --upscale auto} for a 64x64 model. */
    public static final int UPSCALE = 4;
    static final String[] COLORS = {"red", "green", "blue", "yellow", "white", "purple"};
    static final String[] SHAPES = {"circle", "square", "triangle"};
    static final String[] DIRECTIONS = {"left", "right", "up", "down"};

    /** A generated clip as decoded from its MP4, the scorer's reading, and the object's centroid per frame. */
    public record Shot(String prompt, long seed, VideoFrames clip, ClipScorer.Measurement measured,
                       double[][] centroids) {
        double[] first() {
            return centroids[0];
        }

        double[] last() {
            return centroids[centroids.length - 1];
        }
    }

    /** A second shot continuing a first one, asked for {@code color} moving {@code direction}. */
    public record Link(Shot before, Shot after, String color, String direction) {
        /** Distance (px of the 64-pixel frame) between the object in the given frame and in the new first frame. */
        public double offset() {
            double[] a = before.last();
            double[] b = after.first();
            return a == null || b == null ? Double.POSITIVE_INFINITY : Math.hypot(a[0] - b[0], a[1] - b[1]);
        }

        public boolean colorKept() {
            return after.measured() != null && after.measured().color().equals(color);
        }

        public boolean directionFollowed() {
            return after.measured() != null && after.measured().direction().equals(direction);
        }
    }

    private DemoContinuation() {
    }

    /**
     * The grid: {@code firsts} first shots (colour i % 6, shape i % 3, direction i % 4, no speed word; seed
     * 500 + i), each continued in all four directions with the same colour and shape (seed 700 + 4i + d).
     */
    public static List<Link> run(TextToVideoPipeline kino, int firsts, Path scratch) {
        List<Link> links = new ArrayList<>();
        for (int i = 0; i < firsts; i++) {
            String color = COLORS[i % COLORS.length];
            String shape = SHAPES[i % SHAPES.length];
            Path mp4 = scratch.resolve("shot1-" + i + ".mp4");
            Shot before = shot(kino, prompt(color, shape, DIRECTIONS[i % 4]), 500 + i, null, mp4);
            for (int d = 0; d < DIRECTIONS.length; d++) {
                Shot after = shot(kino, prompt(color, shape, DIRECTIONS[d]), 700 + 4L * i + d, mp4,
                        scratch.resolve("shot2.mp4"));
                links.add(new Link(before, after, color, DIRECTIONS[d]));
            }
        }
        return links;
    }

    /** A chain of shots, each continuing the previous one's MP4 (the first from text alone). */
    public static List<Shot> chain(TextToVideoPipeline kino, List<String> prompts, long seed, Path scratch) {
        List<Shot> shots = new ArrayList<>();
        Path previous = null;
        for (int i = 0; i < prompts.size(); i++) {
            Path mp4 = scratch.resolve("chain-" + i + ".mp4");
            shots.add(shot(kino, prompts.get(i), seed + i, previous, mp4));
            previous = mp4;
        }
        return shots;
    }

    /** One generation (continuing {@code from} when not null), written to {@code mp4} and decoded back. */
    static Shot shot(TextToVideoPipeline kino, String prompt, long seed, Path from, Path mp4) {
        GenerationRequest.Builder request = GenerationRequest.builder(prompt).seed(seed);
        if (from != null) {
            request.continueFrom(from);
        }
        GenerationResult r = kino.generate(request.build(), e -> true);
        Mp4Writer.write(r.frames(), r.settings().fps(), mp4, UPSCALE);
        VideoFrames decoded = Mp4Reader.read(mp4).frames();
        return new Shot(prompt, seed, decoded, ClipScorer.measure(decoded), ClipScorer.centroids(decoded));
    }

    static String prompt(String color, String shape, String direction) {
        return "a " + color + " " + shape + " moving " + direction;
    }
}
