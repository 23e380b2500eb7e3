"""Score VAE reconstructions of ground-truth clips: encode + decode, then the scorer (must stay near 100%).

    /usr/bin/python3 data.py --out work/gt --n 300 --seed 7 && /usr/bin/python3 check_vae.py work/gt
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import json
import sys

import numpy as np
import torch

import data
import models
import scorer


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "work/gt"
    ck = sys.argv[2] if len(sys.argv) > 2 else "work/vae.pt"
    torch.set_num_threads(2)
    vae = models.VAE()
    sd = torch.load(ck)
    vae.load_state_dict(sd.get("model", sd))
    vae.eval()
    clips = np.load(os.path.join(d, "clips.npy"))
    params = json.load(open(os.path.join(d, "clips.json")))
    for p in params:
        p["heldout"] = (p["color"], p["shape"], p["direction"]) in data.HELDOUT
    x = torch.from_numpy(clips).permute(0, 4, 1, 2, 3).float() / 127.5 - 1
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 32):
            out.append(vae.decode_video(vae.encode_video(x[i: i + 32])).clamp(-1, 1))
    y = torch.cat(out)
    print(f"PSNR {10 * np.log10(4 / torch.mean((y - x) ** 2).item()):.2f} dB")
    rec = data.to_uint8(y)
    np.save(os.path.join(d, "vae_rec.npy"), rec)
    rows, summary = scorer.score(rec, params)
    for r in rows:
        if not (r["ok_color"] and r["ok_shape"] and r["ok_direction"]):
            print("MISS", r["color"], r["shape"], r["direction"], r["speed"], "->",
                  {k: r["got"].get(k) for k in ("color", "shape", "direction", "fill", "drop")})
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
