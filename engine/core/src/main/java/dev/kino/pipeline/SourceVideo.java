package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.image.Fit;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.request.Sha256;
import dev.kino.video.VideoFiles;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Video-to-video: the video a generation starts from and how far it is noised ({@code strength}), checked
 * against the model before any work (diffusers' {@code WanVideoToVideoPipeline}). A model without a VAE
 * encoder, a strength outside (0, 1], an unreadable file or a frame count the model cannot make: one sentence.
 *
 * @param file     the file, absolute
 * @param sha256   SHA-256 of its bytes (what a plan's JSON refers to)
 * @param strength how much of the schedule is run: 1 starts from pure noise, 0.5 from half way
 * @param frames   its decoded frames, as many as the video to make has
 * @param fit      how frames of another aspect ratio are brought to the video size
 */
record SourceVideo(Path file, String sha256, double strength, List<RgbImage> frames, Fit fit) {
    /** diffusers' default {@code strength}. */
    static final double DEFAULT_STRENGTH = 0.8;
    /** A source longer than this is refused before it is held in memory (Wan's longest clips are 121 frames). */
    static final int MOST_FRAMES = 1024;

    SourceVideo {
        frames = List.copyOf(frames);
    }

    /** The request's source video, or null when it has none (a strength without one is a mistake). */
    static SourceVideo load(GenerationRequest r, Manifest m) {
        if (r.sourceVideo() == null) {
            if (r.strength() != null) {
                throw new KinoException("A strength only applies to video-to-video; give the video to restyle with"
                        + " --source-video FILE, or leave out --strength.");
            }
            return null;
        }
        double strength = r.strength() != null ? r.strength() : DEFAULT_STRENGTH;
        if (!(strength > 0 && strength <= 1)) {
            throw new KinoException("The strength must be above 0 and at most 1 (0.3 keeps most of the source video,"
                    + " 1 replaces it), but " + strength + " was given.");
        }
        if (m.videoEncoder() == null) {
            throw new KinoException("The model " + m.name() + " has no VAE encoder, so it cannot start from a video;"
                    + " re-export it with its VAE encoder (models/export) or use a model that has one.");
        }
        if (r.image() != null || r.continueFrom() != null || r.lastImage() != null) {
            throw new KinoException("Give either a source video or pictures to start from, not both.");
        }
        Path file = r.sourceVideo();
        List<RgbImage> frames = VideoFiles.read(file, "source video", MOST_FRAMES);
        if (frames.size() > MOST_FRAMES) {
            throw new KinoException("The source video " + file + " has more than " + MOST_FRAMES + " frames; cut the"
                    + " clip to restyle out of it first.");
        }
        return new SourceVideo(file.toAbsolutePath().normalize(), Sha256.of(file), strength, frames,
                r.fit() != null ? r.fit() : Fit.CROP);
    }

    /** The same video read again from {@code file}, which must still have these bytes ({@link GenerationPlan#fromJson}). */
    static SourceVideo reread(Path file, String sha256, double strength, Fit fit) {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new KinoException("The source video " + file + " this plan starts from is gone; put it back or"
                    + " make the plan again from its request.");
        }
        if (!Sha256.of(file).equals(sha256)) {
            throw new KinoException("The source video " + file + " changed after the plan was made (its SHA-256 no"
                    + " longer matches); make the plan again from its request.");
        }
        return new SourceVideo(file, sha256, strength, VideoFiles.read(file, "source video", MOST_FRAMES), fit);
    }

    /**
     * The step diffusers' {@code get_timesteps} starts at: {@code steps - min(int(steps * strength), steps)};
     * a strength too small to leave one step is one sentence.
     */
    int firstStep(int steps) {
        int run = (int) Math.min(Math.floor(steps * strength), steps);
        if (run < 1) {
            throw new KinoException("A strength of " + strength + " with " + steps + " steps leaves no step to run"
                    + " (int(steps x strength) = 0); raise the strength to at least " + ceilTo(1.0 / steps)
                    + " or give more steps.");
        }
        return steps - run;
    }

    private static String ceilTo(double v) {
        return String.valueOf(Math.ceil(v * 100) / 100);
    }

    /** SHA-256 of the decoded pixels, the fit and the strength: what a plan's fingerprint covers of the source. */
    String contentSha256() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (RgbImage img : frames) {
                d.update(ByteBuffer.allocate(8).putInt(img.width()).putInt(img.height()).array());
                d.update(img.rgb());
            }
            d.update((fit.name() + ":" + strength).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
