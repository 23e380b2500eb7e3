#!/usr/bin/env python3
"""Test pictures for Kino's picture loading (engine/core/src/test/resources/pictures/) and what diffusers'
``load_image`` makes of each: ``PIL.ImageOps.exif_transpose(Image.open(f)).convert("RGB")``, saved beside it as
``<name>.pil.png`` (a plain 8-bit RGB PNG without EXIF, which any PNG reader decodes exactly).

* ``jpeg-orient-N.jpg`` (N = 1..8): the same asymmetric 24x16 picture with EXIF orientation N, 4:4:4 and
  quality 95, so the test sees the orientation and not JPEG decoders' rounding; ``jpeg420-orient-6.jpg``: a
  phone-style 4:2:0 JPEG turned on its side; ``png-orient-8.png``: orientation in a PNG ``eXIf`` chunk,
  ``png-rawprofile-6.png`` in ImageMagick's "Raw profile type exif" text, ``png-xmp-5.png`` in XMP only.
* ``webp-*.webp``: lossless and lossy (quality 80), with and without alpha, odd and even sizes (the chroma
  planes of odd sizes have a half-covered last column and row), a 97x71 noisy texture at quality 40 (many
  macroblocks, strong loop filtering) and ``webp-orient-6.webp`` (an EXIF chunk).
* ``webp-animated.webp``: two frames, which Kino refuses (no ``.pil.png``).
* ``i2v-first.webp``: wan-i2v/reference/images/first.png as lossless WebP (an image-to-video run from it must
  equal the run from the PNG).

Run from the repository root with Pillow built on libwebp (the committed files: Pillow 11.1.0, libwebp 1.5.0,
libjpeg-turbo); the pictures are deterministic, the encoders' bytes may differ between versions:

    python models/reference/make_picture_files.py
"""
import os

import numpy as np
from PIL import Image, ImageOps, features
from PIL.PngImagePlugin import PngInfo

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "engine", "core",
                                    "src", "test", "resources", "pictures"))


def picture(w, h, seed, alpha=False):
    """Gradients, a disc and a bar in one corner: no flip or rotation maps it onto itself."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([255 * x / (w - 1), 255 * y / (h - 1), 128 + 100 * np.sin(x / 3 + y / 5)], -1)
    img[(x - 0.3 * w) ** 2 + (y - 0.6 * h) ** 2 < (0.2 * min(w, h)) ** 2] = rng.integers(0, 256, 3)
    img[: max(2, h // 5), : max(3, w // 3)] = [250, 250, 20]
    img = np.clip(img, 0, 255).astype(np.uint8)
    if alpha:
        a = np.clip(300 * x / (w - 1) - 20, 0, 255).astype(np.uint8)[..., None]     # alpha 0 on the left
        return Image.fromarray(np.concatenate([img, a], -1), "RGBA")
    return Image.fromarray(img, "RGB")


def exif(orientation):
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


def save(img, name, expect=True, **kwargs):
    path = os.path.join(OUT, name)
    img.save(path, **kwargs)
    if expect:      # diffusers.utils.load_image
        ImageOps.exif_transpose(Image.open(path)).convert("RGB").save(path.rsplit(".", 1)[0] + ".pil.png")


def main():
    assert features.check("webp"), "Pillow without WebP support"
    os.makedirs(OUT, exist_ok=True)
    base = picture(24, 16, 1)
    for n in range(1, 9):
        save(base, f"jpeg-orient-{n}.jpg", quality=95, subsampling=0, exif=exif(n))
    save(picture(40, 24, 2), "jpeg420-orient-6.jpg", quality=90, subsampling=2, exif=exif(6))
    save(picture(23, 14, 3), "png-orient-8.png", exif=exif(8))
    # ImageMagick keeps a JPEG's EXIF in a PNG as hex text; an XMP-only orientation (both read by Pillow)
    raw = exif(6)
    text = PngInfo()
    text.add_text("Raw profile type exif", "\nexif\n%8d\n%s\n" % (len(raw), "\n".join(
        raw.hex()[i:i + 72] for i in range(0, len(raw.hex()), 72))), zip=True)
    save(picture(23, 14, 11), "png-rawprofile-6.png", pnginfo=text)
    xmp = PngInfo()
    xmp.add_itxt("XML:com.adobe.xmp", '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
                 '"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:tiff='
                 '"http://ns.adobe.com/tiff/1.0/" tiff:Orientation="5"/></rdf:RDF></x:xmpmeta>')
    save(picture(23, 14, 12), "png-xmp-5.png", pnginfo=xmp)
    save(picture(37, 23, 4), "webp-lossless.webp", lossless=True)
    save(picture(37, 23, 4, alpha=True), "webp-lossless-alpha.webp", lossless=True)
    save(picture(37, 23, 5), "webp-lossy.webp", quality=80)
    save(picture(64, 40, 6), "webp-lossy-even.webp", quality=80)
    save(picture(37, 23, 7, alpha=True), "webp-lossy-alpha.webp", quality=80)
    noisy = np.asarray(picture(97, 71, 10)).astype(np.int16) + np.random.default_rng(11).integers(-40, 41, (71, 97, 3))
    save(Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)), "webp-lossy-texture.webp", quality=40)
    save(picture(30, 18, 8), "webp-orient-6.webp", quality=80, exif=exif(6))
    # the image-to-video tests' first frame as lossless WebP: the same video as from the PNG
    Image.open(os.path.join(OUT, "..", "wan-i2v", "reference", "images", "first.png")).save(
        os.path.join(OUT, "i2v-first.webp"), lossless=True)
    first = picture(16, 16, 9)
    save(first, "webp-animated.webp", expect=False, save_all=True, append_images=[first.rotate(90)], duration=100)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    main()
