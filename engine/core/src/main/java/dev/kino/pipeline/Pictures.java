package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.image.Fit;
import dev.kino.image.ImageFiles;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.model.Manifest.Conditioning.Need;
import dev.kino.video.LastFrame;

/**
 * The pictures a request conditions on, checked against what the model takes before any work starts: a
 * text-only model given a picture, an image model given none, a last frame the model cannot take, an
 * unreadable file: one sentence each.
 *
 * @param first the first frame ({@code image}, or the last frame of {@code continueFrom})
 * @param last  the last frame, or null
 * @param fit   how they are brought to the video's size
 */
record Pictures(RgbImage first, RgbImage last, Fit fit) {

    /** SHA-256 of the pixels and the fit: what a plan's fingerprint covers of its pictures. */
    String sha256() {
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            for (RgbImage img : last == null ? java.util.List.of(first) : java.util.List.of(first, last)) {
                d.update(java.nio.ByteBuffer.allocate(8).putInt(img.width()).putInt(img.height()).array());
                d.update(img.rgb());
            }
            d.update(fit.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The request's pictures, or null when it has none. */
    static Pictures load(GenerationRequest r, Manifest m) {
        boolean first = r.image() != null || r.continueFrom() != null;
        if (r.image() != null && r.continueFrom() != null) {
            throw new KinoException("Give either a first image or a video to continue from, not both.");
        }
        Manifest.Conditioning c = m.conditioning();
        if (c == null) {
            if (first || r.lastImage() != null) {
                throw new KinoException("The model " + m.name() + " makes video from text only, so it cannot start"
                        + " from a picture; leave out the image (or continue-from video), or use an image-to-video model.");
            }
            return null;
        }
        if (!first && c.image() == Need.REQUIRED) {
            throw new KinoException("The model " + m.name() + " makes video from a first frame; give one with"
                    + " --image PICTURE or --continue-from PREVIOUS.mp4.");
        }
        if (r.lastImage() != null && c.lastImage() == Need.UNSUPPORTED) {
            throw new KinoException("The model " + m.name() + " cannot end on a given frame; leave out the last"
                    + " image or use a first/last-frame model (Wan FLF2V).");
        }
        if (r.lastImage() == null && c.lastImage() == Need.REQUIRED) {
            throw new KinoException("The model " + m.name() + " makes video between a first and a last frame; give"
                    + " the last one with --last-image PICTURE.");
        }
        if (r.lastImage() != null && !first) {
            throw new KinoException("A last frame needs a first frame too; give it with --image PICTURE.");
        }
        if (!first) {
            return null;
        }
        RgbImage image = r.image() != null ? ImageFiles.read(r.image()) : LastFrame.read(r.continueFrom());
        return new Pictures(image, r.lastImage() != null ? ImageFiles.read(r.lastImage()) : null,
                r.fit() != null ? r.fit() : Fit.CROP);
    }
}
