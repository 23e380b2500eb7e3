"""Score the image-conditioned denoiser through PyTorch: text-only clips and continuations.

    /usr/bin/python3 check_i2v.py [--n 48]      # work/denoiser_i2v.pt + work/vae_i2v.pt

Text-only: one clip per prompt of a balanced grid (all colours, shapes, directions; held-out triples
included), scored as scorer.py does. Continuation: the last frame of a rendered fitting clip as the picture,
a prompt in each direction; the first frame's position error against the picture, colour and direction.
(The engine's own figures, through Kino and the MP4 encoder, are DemoAccuracyTest and DemoContinuationTest.)
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import argparse

import numpy as np
import torch

import data
import models
import scorer
import train_i2v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--work", default="work")
    a = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(os.path.join(a.work, "denoiser_i2v.pt"))
    te, dn, vae = models.TextEncoder(len(data.VOCAB)), models.Denoiser(
        cond_channels=models.MASK_C + models.LATENT_C), models.VAE()
    te.load_state_dict(ck["te"]), dn.load_state_dict(ck["dn"])
    vae.load_state_dict(torch.load(os.path.join(a.work, "vae_i2v.pt")))
    for m in (te, dn, vae):
        m.eval()
    mean, std = ck["lat_mean"], ck["lat_std"]
    rows = [dict(color=c, shape=s, direction=d, speed="", prompt=data.canonical_prompt(c, s, d),
                 heldout=(c, s, d) in data.HELDOUT, seed=1000 + k)
            for k, (c, s, d) in enumerate(data.ALL_TRIPLES[i] for i in np.linspace(0, 71, a.n).astype(int))]
    clips = data.to_uint8(train_i2v.generate(te, dn, vae, mean, std, [r["prompt"] for r in rows], None,
                                             [r["seed"] for r in rows]))
    summ = scorer.score(clips, rows)[1]
    print(f"text only (iteration {ck['it']}): all {summ['all']} held out {summ.get('heldout')} "
          f"distance {summ.get('distance_default', 0):.1f} px")
    print(f"continuation: {train_i2v.quick_eval(te, dn, vae, mean, std, n=a.n)}")


if __name__ == "__main__":
    main()
