"""Train the VAE encoder again, against the frozen shipped decoder, for image conditioning.

    /usr/bin/python3 train_encoder.py      # -> work/vae_i2v.pt (resumes from work/enc_ckpt.pt)

The text-to-video model it starts from (load_base): work/vae.pt + work/denoiser.pt when train_vae.py and
train_denoiser.py ran here, else work/recovered.pt (recover_weights.py, from the shipped package).

Image conditioning encodes a conditioning video the way Wan's pipeline builds it: the given first frame, then
zeros (mid grey in [-1, 1]). With 2 video frames per latent frame, the first latent frame then holds the pair
(image, grey) and every later one (grey, grey). So the encoder learns two kinds of pair:
- consecutive frames of a clip (frames 2k, 2k+1): decoded back to themselves, as in train_vae.py phase 1;
- (image, grey): decoded to the image held still, i.e. the latent of a pair with no motion, which the
  decoder already knows how to draw. The grey frame thus means "unknown", not "grey".
The decoder (and refine head) stay frozen, so the denoiser's latent space keeps its meaning; a small penalty
keeps the clip latents' per-channel mean/std at the package's normalisation (kino.json latents_mean/std).
Objects start anywhere in the frame, so the encoder sees every position a previous clip can end at.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import argparse
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import data
import models
import train_vae


def load_base(work):
    """The text-to-video stage: dict te, dn, vae (state dicts), lat_mean, lat_std."""
    vae_pt, den_pt = os.path.join(work, "vae.pt"), os.path.join(work, "denoiser.pt")
    if os.path.exists(vae_pt) and os.path.exists(den_pt):
        den = torch.load(den_pt)
        return dict(te=den["te"], dn=den["dn"], vae=torch.load(vae_pt), lat_mean=den["lat_mean"],
                    lat_std=den["lat_std"])
    return torch.load(os.path.join(work, "recovered.pt"))


def anywhere(rng, n, frames=2):
    """Clip parameters with the object's start anywhere inside the frame (paths may leave it)."""
    params = data.sample_params(rng, n, data.TRAIN_TRIPLES)
    for p in params:
        lo, hi = data.MARGIN + p["size"] / 2, data.W - data.MARGIN - p["size"] / 2
        p["x0"], p["y0"] = float(rng.uniform(lo, hi)), float(rng.uniform(lo, hi))
    return params


def batch(seed, it, n):
    """n consecutive pairs (half from fitting clips, half from anywhere-started ones) and n//2 (image, grey)."""
    x, cov = train_vae.batch(seed, it, n // 2)
    rng = np.random.default_rng([seed, it, 1])
    x2, cov2 = data.render(anywhere(rng, n // 2), [0, 1])
    pairs = torch.cat([x, x2])
    pcov = torch.cat([cov, cov2.reshape(n // 2, 1, 2, 64, 64)])
    img, icov = data.render(anywhere(rng, n // 2), [0])
    cond = torch.cat([img, torch.zeros_like(img)], dim=2)  # [N,3,2,64,64]: image, grey
    target = img.expand(-1, -1, 2, -1, -1)  # held still
    return pairs, pcov, cond, target, icov.reshape(-1, 1, 1, 64, 64).expand(-1, 1, 2, -1, -1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--stats", type=float, default=0.1, help="weight of the latent mean/std penalty")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--work", default="work")
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    rec = load_base(a.work)
    vae = models.VAE()  # a fresh encoder; the decoder and refine head from the package
    vae.load_state_dict({k: v for k, v in rec["vae"].items() if not k.startswith("enc.")}, strict=False)
    mean_t, std_t = rec["lat_mean"].view(1, -1, 1, 1), rec["lat_std"].view(1, -1, 1, 1)
    for p in list(vae.dec.parameters()) + list(vae.refine.parameters()):
        p.requires_grad_(False)
    params = list(vae.enc.parameters())
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.0)
    ckpt_path = os.path.join(a.work, "enc_ckpt.pt")
    start, elapsed = 0, 0.0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        vae.load_state_dict(ck["model"]), opt.load_state_dict(ck["opt"])
        start, elapsed = ck["it"], ck["elapsed"]
        print(f"resumed at iteration {start}")
    xv, _ = data.render(data.sample_params(np.random.default_rng(999), 64, data.HELDOUT), [6, 7])
    t0 = time.time() - elapsed
    for it in range(start, a.iters):
        lr = a.lr * min(1.0, (it + 1) / 50) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * it / a.iters)))
        for g in opt.param_groups:
            g["lr"] = lr
        pairs, pcov, cond, target, ccov = batch(a.seed, it, a.batch)
        m, _ = vae.encode_pairs(pairs)
        mc, _ = vae.encode_pairs(cond)
        e1, e2 = vae.decode_pairs(m) - pairs, vae.decode_pairs(mc) - target
        w1, w2 = train_vae.weights(pcov, 0.0), train_vae.weights(ccov, 0.0)
        rec_loss = (w1 * (e1.abs() + e1 * e1)).mean() + (w2 * (e2.abs() + e2 * e2)).mean()
        z = (m - mean_t) / std_t
        stats = (z.mean(dim=(0, 2, 3)) ** 2).mean() + ((z.std(dim=(0, 2, 3)) - 1) ** 2).mean()
        loss = rec_loss + a.stats * stats
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if it % 25 == 0 or it == a.iters - 1:
            with torch.no_grad():
                mv, _ = vae.encode_pairs(xv)
                mse = F.mse_loss(vae.decode_pairs(mv).clamp(-1, 1), xv).item()
            print(f"it {it} rec {rec_loss.item():.4f} stats {stats.item():.4f} heldout_psnr "
                  f"{10 * math.log10(4 / mse):.2f} lr {lr:.2e} t {time.time() - t0:.0f}s", flush=True)
        if (it + 1) % 50 == 0 or it == a.iters - 1:
            torch.save(dict(model=vae.state_dict(), opt=opt.state_dict(), it=it + 1, elapsed=time.time() - t0),
                       ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
    torch.save(vae.state_dict(), os.path.join(a.work, "vae_i2v.pt"))
    print(f"done: {a.iters} iterations in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
