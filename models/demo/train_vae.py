"""Train the demo VAE (frame-pair autoencoder, 64x64x2 RGB <-> 8x8x8 latent) on freshly rendered clips.

    /usr/bin/python3 train_vae.py      # -> work/vae_stage1.pt, work/vae.pt (resumes from work/vae{1,2}_ckpt.pt)

Only training color/shape/direction triples are rendered (held-out ones are never seen by any network).
Every batch is a deterministic function of (seed, iteration), so a resumed run equals an uninterrupted one.
Phase 1 (800 steps) trains encoder and decoder: L1 + L2 on pixels, weighted x10 on and around the object,
+ a small KL term. Phase 2 (600 steps) fine-tunes the decoder alone (like Stable Diffusion's ft-MSE decoder)
with 20x more weight on a 3 px band across the object's outline, so corners of squares and triangles stay
sharp; the encoder, and so the latents the denoiser is trained on, do not change.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # 2 threads on a shared 2-core box: sleep, don't spin
import argparse
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import data
import models


def batch(seed, it, n):
    rng = np.random.default_rng([seed, it])
    params = data.sample_params(rng, n, data.TRAIN_TRIPLES)
    k = rng.integers(0, data.FRAMES // 2, size=n)
    # render each clip's frames 2k and 2k+1 by shifting the start point to frame 2k
    for p, kk in zip(params, k):
        p["x0"] += p["vx"] * 2 * kk
        p["y0"] += p["vy"] * 2 * kk
    x, cov = data.render(params, [0, 1])
    return x, cov.reshape(n, 1, 2, 64, 64)


def weights(cov, edge):
    """1 on the background, 10 on and near the object, + `edge` on a ~3 px band across its outline."""
    c = cov.reshape(-1, 1, 64, 64)
    dil = F.max_pool2d(c, 5, 1, 2)
    band = F.max_pool2d(c, 3, 1, 1) + F.max_pool2d(-c, 3, 1, 1)  # dilation - erosion
    return (1 + 9 * dil + edge * band).reshape(cov.shape)


def train(vae, phase, a, iters, lr_max, edge):
    """phase 1 trains the whole VAE; phase 2 fine-tunes only the decoder (the encoder, hence the latents the
    denoiser learns, stay fixed), with extra weight on the outline so corners stay sharp."""
    ckpt_path = os.path.join(a.work, f"vae{phase}_ckpt.pt")
    if phase == 1:
        params = list(vae.parameters())
    else:
        params = list(vae.dec.parameters()) + list(vae.refine.parameters())
        for p in vae.enc.parameters():
            p.requires_grad_(False)
    opt = torch.optim.AdamW(params, lr=lr_max, weight_decay=0.0)
    start, elapsed = 0, 0.0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        vae.load_state_dict(ck["model"]), opt.load_state_dict(ck["opt"])
        start, elapsed = ck["it"], ck["elapsed"]
        print(f"phase {phase}: resumed at iteration {start}")
    xv, _ = data.render(data.sample_params(np.random.default_rng(999), 64, data.HELDOUT), [6, 7])
    warm = 100 if phase == 1 else 20
    t0 = time.time() - elapsed
    for it in range(start, iters):
        lr = lr_max * min(1.0, (it + 1) / warm) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * it / iters)))
        for g in opt.param_groups:
            g["lr"] = lr
        x, cov = batch(a.seed + 10 * (phase - 1), it, a.batch)
        w = weights(cov, edge)
        torch.manual_seed(a.seed * 100003 + it + 7919 * (phase - 1))
        if phase == 1:
            mean, logvar = vae.encode_pairs(x)
        else:
            with torch.no_grad():
                mean, logvar = vae.encode_pairs(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        y = vae.decode_pairs(z)
        err = y - x
        rec = (w * (err.abs() + err * err)).mean()
        kl = 0.5 * (mean * mean + logvar.exp() - 1 - logvar).mean()
        loss = rec + a.kl * kl if phase == 1 else rec
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if it % 50 == 0 or it == iters - 1:
            with torch.no_grad():
                m, _ = vae.encode_pairs(xv)
                mse = F.mse_loss(vae.decode_pairs(m).clamp(-1, 1), xv).item()
            print(f"phase {phase} it {it} loss {loss.item():.4f} rec {rec.item():.4f} kl {kl.item():.3f} "
                  f"std(mean) {mean.std().item():.3f} post_std {torch.exp(0.5 * logvar).mean().item():.3f} "
                  f"heldout_psnr {10 * math.log10(4 / mse):.2f} lr {lr:.2e} t {time.time() - t0:.0f}s", flush=True)
        if (it + 1) % 100 == 0 or it == iters - 1:
            torch.save(dict(model=vae.state_dict(), opt=opt.state_dict(), it=it + 1, elapsed=time.time() - t0),
                       ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
    print(f"phase {phase} done: {iters} iterations in {time.time() - t0:.0f}s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=800)
    ap.add_argument("--decoder-iters", type=int, default=600)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--decoder-lr", type=float, default=3e-4)
    ap.add_argument("--kl", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default="work")
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    os.makedirs(a.work, exist_ok=True)
    vae = models.VAE()
    print(f"VAE parameters: {models.n_params(vae)}")
    stage1 = os.path.join(a.work, "vae_stage1.pt")
    if os.path.exists(stage1):
        vae.load_state_dict(torch.load(stage1))
    else:
        train(vae, 1, a, a.iters, a.lr, edge=0.0)
        torch.save(vae.state_dict(), stage1)
    train(vae, 2, a, a.decoder_iters, a.decoder_lr, edge=20.0)
    torch.save(vae.state_dict(), os.path.join(a.work, "vae.pt"))


if __name__ == "__main__":
    main()
