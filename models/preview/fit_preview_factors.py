"""Fit a model's live-preview factors: a linear map from its latents to RGB, by least squares against its own VAE.

The render server shows the picture forming during denoising without running the VAE: every few steps it
projects the middle latent frame to RGB as rgb = bias + latents . factors (per pixel of the latent grid), with
the factors this script writes into the manifest's optional "preview" key:

    "preview": {"latent_rgb_factors": [[r, g, b], ...one row per latent channel], "latent_rgb_bias": [r, g, b]}

Latents are in the denoising loop's (normalised) space; RGB in the VAE's [-1, 1] range. The fit decodes latents
with the package's VAE decoder, averages each decoded pixel block back onto the latent grid, and solves the
least-squares problem per colour. Fit on real latents: the model's own generations, written by
`kino generate ... --latents-out FILE.npy` (see models/README.md); without --latents it decodes synthetic ones
(blobs on a quiet background), which only suits a VAE that decodes them to varied pictures.

    python fit_preview_factors.py PACKAGE_DIR [--latents A.npy B.npy ...] [--samples 64] [--write]

Needs numpy and onnxruntime (models/preview/requirements.txt). Without --write it only prints the fit.
"""
import argparse
import json
import pathlib

import sys

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import kino_manifest  # noqa: E402  the one kino.json writer (models/kino_manifest.py)


def latent_frames(frames, latent):
    t = latent["temporal_compression"]
    return (frames - 1) // t + 1 if latent.get("causal") else frames // t


def pool_to_latents(rgb, latent, lat_frames):
    """[B, 3, F, H, W] pixels -> [B, 3, f, h, w]: each latent cell's pixel block, averaged."""
    s = latent["spatial_compression"]
    t = latent["temporal_compression"]
    b, c, f, h, w = rgb.shape
    spatial = rgb.reshape(b, c, f, h // s, s, w // s, s).mean(axis=(4, 6))
    if latent.get("causal"):  # frame 0 alone, then groups of t
        groups = [spatial[:, :, :1]] + [spatial[:, :, 1 + k * t:1 + (k + 1) * t] for k in range(lat_frames - 1)]
    else:
        groups = [spatial[:, :, k * t:(k + 1) * t] for k in range(lat_frames)]
    return np.stack([g.mean(axis=2) for g in groups], axis=2)


def sample_latents(rng, n, shape):
    """Latents shaped like generated content: a quiet background with a few blobs, each a block of cells sharing
    one strong random channel vector (a shape of one colour), plus a little white noise."""
    c, f, h, w = shape
    z = rng.standard_normal((n, c, f, h, w)) * 0.3
    for i in range(n):
        for _ in range(rng.integers(1, 4)):
            vec = rng.standard_normal(c) * 2.0
            bh, bw = rng.integers(1, max(2, h // 2) + 1), rng.integers(1, max(2, w // 2) + 1)
            y, x = rng.integers(0, h - bh + 1), rng.integers(0, w - bw + 1)
            z[i, :, :, y:y + bh, x:x + bw] += vec[:, None, None, None]
    return z.astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("package", type=pathlib.Path)
    ap.add_argument("--latents", type=pathlib.Path, nargs="*", default=[],
                    help=".npy latents [1, C, F, h, w] from kino generate --latents-out")
    ap.add_argument("--samples", type=int, default=64, help="synthetic samples when no --latents are given")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", action="store_true", help="write the factors into the package's kino.json")
    args = ap.parse_args()

    manifest_path = args.package / "kino.json"
    m = json.loads(manifest_path.read_text())
    latent, vae, d = m["latent"], m["vae"], m["defaults"]
    if vae["kind"] == "causal":
        raise SystemExit("causal (frame-by-frame) VAEs are not supported by this script yet; fit on a 3d/2d export")
    c = latent["channels"]
    f = latent_frames(d["frames"], latent)
    h, w = d["height"] // latent["spatial_compression"], d["width"] // latent["spatial_compression"]
    mean = np.array(vae.get("latents_mean", [0.0] * c), np.float32).reshape(1, c, 1, 1, 1)
    std = np.array(vae.get("latents_std", [1.0] * c), np.float32).reshape(1, c, 1, 1, 1)
    scale, shift = vae.get("scaling_factor", 1.0), vae.get("shift_factor", 0.0)

    session = ort.InferenceSession(str(args.package / vae["file"]), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(args.seed)
    if args.latents:
        z = np.concatenate([np.load(p).astype(np.float32) for p in args.latents])
        if z.shape[1:] != (c, f, h, w):
            raise SystemExit(f"the latents are {z.shape[1:]} but the model's default size gives {(c, f, h, w)}")
    else:
        z = sample_latents(rng, args.samples, (c, f, h, w))
    # what Kino's LatentDenormalizer feeds the VAE (models/README.md, vae.latents_mean / scaling_factor)
    decoder_in = z * std + mean if "latents_mean" in vae else z / scale + shift
    rgb = []
    for i in range(0, len(z), 8):
        batch = decoder_in[i:i + 8]
        if vae["kind"] == "2d":  # frames folded into the batch axis
            b = batch.shape[0]
            out = session.run([vae["output"]], {vae["input"]: batch.transpose(0, 2, 1, 3, 4).reshape(b * f, c, h, w)})[0]
            out = out.reshape(b, f, *out.shape[1:]).transpose(0, 2, 1, 3, 4)
        else:
            out = session.run([vae["output"]], {vae["input"]: batch})[0]
        rgb.append(out)
    rgb = pool_to_latents(np.concatenate(rgb).astype(np.float64), latent, f)

    x = z.transpose(0, 2, 3, 4, 1).reshape(-1, c).astype(np.float64)
    y = rgb.transpose(0, 2, 3, 4, 1).reshape(-1, 3)
    a = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    pred = a @ coef
    r2 = 1 - ((y - pred) ** 2).sum(axis=0) / ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    factors = [[round(float(v), 6) for v in row] for row in coef[:c]]
    bias = [round(float(v), 6) for v in coef[c]]
    print(f"{m['name']}: {len(x)} latent cells from {len(z)} decoded samples; "
          f"R^2 red {r2[0]:.3f}, green {r2[1]:.3f}, blue {r2[2]:.3f}")
    print(json.dumps({"latent_rgb_factors": factors, "latent_rgb_bias": bias}))
    if args.write:
        m["preview"] = {"latent_rgb_factors": factors, "latent_rgb_bias": bias}
        kino_manifest.write(m, str(manifest_path))
        print(f"wrote the factors into {manifest_path}")


if __name__ == "__main__":
    main()
