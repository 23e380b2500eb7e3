package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.image.Fit;
import dev.kino.image.ImageFiles;
import dev.kino.image.RgbImage;
import dev.kino.model.Manifest;
import dev.kino.model.Manifest.Conditioning.Need;
import dev.kino.request.Sha256;
import dev.kino.video.LastFrame;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pictures a request conditions on, checked against what the model takes before any work starts: a
 * text-only model given a picture, an image model given none, a last frame the model cannot take, an
 * unreadable file: one sentence each.
 *
 * @param first   the first frame ({@code image}, or the last frame of {@code continueFrom})
 * @param last    the last frame, or null
 * @param fit     how they are brought to the video's size
 * @param sources the files they were read from, with the SHA-256 of their bytes (what a plan's JSON refers to)
 */
record Pictures(RgbImage first, RgbImage last, Fit fit, java.util.List<Source> sources) {

    /** Where the pictures come from, in the plan JSON's {@code picture_files}. */
    enum Role { IMAGE, LAST_IMAGE, CONTINUE_FROM, REFERENCE_IMAGE, CONTROL_VIDEO, MASK_VIDEO }

    /** One file a picture was read from. */
    record Source(Role role, Path file, String sha256) {
    }

    Pictures {
        sources = java.util.List.copyOf(sources);
    }

    /** SHA-256 of the pixels and the fit: what a plan's fingerprint covers of its pictures. */
    String sha256() {
        java.security.MessageDigest d = Sha256.digest();
        {
            for (RgbImage img : last == null ? java.util.List.of(first) : java.util.List.of(first, last)) {
                d.update(java.nio.ByteBuffer.allocate(8).putInt(img.width()).putInt(img.height()).array());
                d.update(img.rgb());
            }
            d.update(fit.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d.digest());
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
        // Decoded first, so an unreadable picture gets the decoder's own sentence; then hashed for the plan's JSON.
        RgbImage image = r.image() != null ? ImageFiles.read(r.image()) : LastFrame.read(r.continueFrom());
        RgbImage lastImage = r.lastImage() != null ? ImageFiles.read(r.lastImage()) : null;
        List<Source> sources = new ArrayList<>();
        sources.add(r.image() != null ? source(Role.IMAGE, r.image()) : source(Role.CONTINUE_FROM, r.continueFrom()));
        if (r.lastImage() != null) {
            sources.add(source(Role.LAST_IMAGE, r.lastImage()));
        }
        return new Pictures(image, lastImage, r.fit() != null ? r.fit() : Fit.CROP, sources);
    }

    /** Decodes the pictures of these sources (as {@link #load} read them). */
    static Pictures read(List<Source> sources, Fit fit) {
        RgbImage first = null;
        RgbImage last = null;
        for (Source s : sources) {
            switch (s.role()) {
                case IMAGE -> first = ImageFiles.read(s.file());
                case CONTINUE_FROM -> first = LastFrame.read(s.file());
                case LAST_IMAGE -> last = ImageFiles.read(s.file());
                default -> throw new KinoException("The plan names a " + s.role() + " among its pictures; make the"
                        + " plan again from its request.");
            }
        }
        return new Pictures(first, last, fit, sources);
    }

    /** The file and the SHA-256 of its bytes. */
    static Source source(Role role, Path file) {
        return new Source(role, file.toAbsolutePath().normalize(), Sha256.of(file));
    }

    /** SHA-256 (hex) of a file's bytes; a file that cannot be read is one sentence. */
}
