package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.image.Fit;
import dev.kino.image.ImageFiles;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.request.Sha256;
import dev.kino.video.VideoFiles;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Wan VACE's inputs (docs/vace.md), checked against the model before any work: reference pictures, a control
 * (or source) video, a mask video and the conditioning scale. A model without VACE given any of them, a video
 * of another frame count than the output, a mask of another size than the control video (or the output), an
 * unreadable file: one sentence.
 *
 * @param references reference pictures, in the order given
 * @param control    control video frames, or null
 * @param mask       mask video frames, or null
 * @param scale      diffusers' {@code conditioning_scale}, the same for every VACE layer
 * @param fit        how frames and pictures of another aspect ratio are brought to the video size
 * @param sources    the files, with the SHA-256 of their bytes (what a plan's JSON refers to)
 */
record VaceInputs(List<RgbImage> references, List<RgbImage> control, List<RgbImage> mask, double scale, Fit fit,
                  List<Pictures.Source> sources) {
    static final double MAX_SCALE = 10;

    /** The request's VACE inputs, or null when it has none. */
    static VaceInputs load(GenerationRequest r, Manifest m) {
        boolean any = !r.referenceImages().isEmpty() || r.controlVideo() != null || r.maskVideo() != null;
        if (m.denoiser().control() != null && r.sourceVideo() != null) {
            throw new KinoException("A VACE model takes the video to follow or repaint as --control-video (with"
                    + " --mask-video for the part to repaint), not --source-video.");
        }
        if (!any) {
            if (r.conditioningScale() != null && m.denoiser().control() == null) {
                throw new KinoException("A conditioning scale only applies to Wan VACE models; leave out"
                        + " --conditioning-scale.");
            }
            return m.denoiser().control() == null ? null
                    : new VaceInputs(List.of(), null, null, scale(r), fit(r), List.of());
        }
        if (m.denoiser().control() == null) {
            throw new KinoException("The model " + m.name() + " is not a Wan VACE model, so it takes no reference"
                    + " image, control video or mask video; leave them out or use a VACE model.");
        }
        if (r.image() != null || r.continueFrom() != null || r.sourceVideo() != null) {
            throw new KinoException("A VACE model takes its video as --control-video (with --mask-video for the part"
                    + " to repaint); leave out --image, --continue-from and --source-video.");
        }
        List<Pictures.Source> sources = new ArrayList<>();
        List<RgbImage> refs = new ArrayList<>();
        for (Path p : r.referenceImages()) {
            refs.add(ImageFiles.read(p));
            sources.add(Pictures.source(Pictures.Role.REFERENCE_IMAGE, p));
        }
        List<RgbImage> control = r.controlVideo() == null ? null
                : VideoFiles.read(r.controlVideo(), "control video", SourceVideo.MOST_FRAMES);
        if (control != null) {
            sources.add(Pictures.source(Pictures.Role.CONTROL_VIDEO, r.controlVideo()));
        }
        List<RgbImage> mask = r.maskVideo() == null ? null
                : VideoFiles.read(r.maskVideo(), "mask video", SourceVideo.MOST_FRAMES);
        if (mask != null) {
            sources.add(Pictures.source(Pictures.Role.MASK_VIDEO, r.maskVideo()));
        }
        return new VaceInputs(refs, control, mask, scale(r), fit(r), sources);
    }

    private static double scale(GenerationRequest r) {
        double s = r.conditioningScale() != null ? r.conditioningScale() : 1.0;
        if (!(s >= 0 && s <= MAX_SCALE)) {
            throw new KinoException("The conditioning scale must be from 0 to " + (int) MAX_SCALE + " (1 follows the"
                    + " control fully, 0 ignores it), but " + s + " was given.");
        }
        return s;
    }

    private static Fit fit(GenerationRequest r) {
        return r.fit() != null ? r.fit() : Fit.CROP;
    }

    /** The frame count the videos set (null without videos); videos of other counts than {@code frames}: one sentence. */
    Integer frames() {
        return control != null ? Integer.valueOf(control.size()) : mask != null ? Integer.valueOf(mask.size()) : null;
    }

    /** Every video must have the output's frames, and the mask the control video's (or the output's) size. */
    void check(int frames, int width, int height) {
        checkFrames("control", control, frames);
        checkFrames("mask", mask, frames);
        if (mask != null) {
            int w = control != null ? control.get(0).width() : width;
            int h = control != null ? control.get(0).height() : height;
            RgbImage first = mask.get(0);
            if (first.width() != w || first.height() != h) {
                throw new KinoException("The mask video is " + first.width() + "x" + first.height() + " but "
                        + (control != null ? "the control video" : "the video to make") + " is " + w + "x" + h
                        + "; give a mask of the same size.");
            }
        }
    }

    private static void checkFrames(String which, List<RgbImage> video, int frames) {
        if (video != null && video.size() != frames) {
            throw new KinoException("The " + which + " video has " + video.size() + " frames but the video to make has "
                    + frames + "; give videos of " + frames + " frames or --frames " + video.size() + ".");
        }
    }

    /** The same inputs read again from their files (a plan read back from JSON). */
    static VaceInputs reread(List<Pictures.Source> sources, double scale, Fit fit) {
        List<RgbImage> refs = new ArrayList<>();
        List<RgbImage> control = null;
        List<RgbImage> mask = null;
        for (Pictures.Source s : sources) {
            if (!Files.isRegularFile(s.file()) || !Sha256.of(s.file()).equals(s.sha256())) {
                throw new KinoException("The file " + s.file() + " this plan conditions on is gone or changed; put it"
                        + " back or make the plan again from its request.");
            }
            switch (s.role()) {
                case REFERENCE_IMAGE -> refs.add(ImageFiles.read(s.file()));
                case CONTROL_VIDEO -> control = VideoFiles.read(s.file(), "control video", SourceVideo.MOST_FRAMES);
                case MASK_VIDEO -> mask = VideoFiles.read(s.file(), "mask video", SourceVideo.MOST_FRAMES);
                default -> throw new KinoException("The plan names a " + s.role() + " among its VACE inputs; make the"
                        + " plan again from its request.");
            }
        }
        return new VaceInputs(refs, control, mask, scale, fit, sources);
    }

    /** SHA-256 of every input's pixels, the scale and the fit: what a plan's fingerprint covers. */
    String contentSha256() {
        MessageDigest d = Sha256.digest();
        for (List<RgbImage> group : java.util.Arrays.asList(references, control, mask)) {
            d.update((byte) (group == null ? 0 : 1));
            for (RgbImage img : group == null ? List.<RgbImage>of() : group) {
                d.update(ByteBuffer.allocate(8).putInt(img.width()).putInt(img.height()).array());
                d.update(img.rgb());
            }
        }
        d.update((fit.name() + ":" + scale + ":" + references.size()).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d.digest());
    }
}
