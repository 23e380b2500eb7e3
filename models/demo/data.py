"""The demo model's world: synthetic clips of one shape moving over a dark background.

Everything that defines the data lives here (palette, shapes, directions, speeds, held-out combinations,
prompt templates and the renderer), so the trainers, the exporter and the scorer agree on it.

    python3 data.py --out work/gt --n 144 --seed 7     # write ground-truth clips (.npy uint8 + prompts.json)

A clip is 16 frames of 64x64 RGB at 8 fps. The object is a circle, square or upright triangle of one of six
colors, 11-15 px across, fully inside the frame, moving in a straight line left/right/up/down at
1.0 px/frame ("slowly"), 1.75 px/frame (no speed word) or 2.75 px/frame ("quickly").
"""
import argparse
import json
import os

import numpy as np
import torch

H = W = 64
FRAMES = 16
FPS = 8
BACKGROUND = (16, 16, 22)  # RGB 0..255
COLORS = ["red", "green", "blue", "yellow", "white", "purple"]
PALETTE = {  # RGB 0..255
    "red": (220, 50, 50), "green": (50, 200, 70), "blue": (60, 100, 240),
    "yellow": (235, 215, 50), "white": (235, 235, 235), "purple": (160, 70, 210),
}
SHAPES = ["circle", "square", "triangle"]
DIRECTIONS = ["left", "right", "up", "down"]
DIR_VEC = {"left": (-1.0, 0.0), "right": (1.0, 0.0), "up": (0.0, -1.0), "down": (0.0, 1.0)}  # image y grows down
SPEEDS = ["slowly", "", "quickly"]  # "" = no speed word
SPEED_PX = [1.0, 1.75, 2.75]  # pixels per frame
SIZE_RANGE = (11.0, 15.0)  # bounding-box side in px
MARGIN = 2.0  # px kept free between the object and the frame border

# 12 of the 72 color/shape/direction triples never appear in training (with any speed word). Each color is held
# out twice, each direction three times, each shape four times; every pair of attributes is still seen.
HELDOUT = [(COLORS[i], SHAPES[(i + k) % 3], DIRECTIONS[(i + 2 * k) % 4]) for i in range(6) for k in range(2)]
ALL_TRIPLES = [(c, s, d) for c in COLORS for s in SHAPES for d in DIRECTIONS]
TRAIN_TRIPLES = [t for t in ALL_TRIPLES if t not in HELDOUT]

# Vocabulary: every word the training prompts use. [PAD]=0, [UNK]=1.
VOCAB = ["[PAD]", "[UNK]", "a", "an", "the", "moving"] + COLORS + SHAPES + DIRECTIONS + ["slowly", "quickly"]
WORD_ID = {w: i for i, w in enumerate(VOCAB)}
MAX_LEN = 16
UNKNOWN_WORDS = ["big", "small", "ball", "on", "black", "background", "shiny", "video", "of", "fast"]


def canonical_prompt(color, shape, direction, speed=""):
    p = f"a {color} {shape} moving {direction}"
    return p + (" " + speed if speed else "")


def sample_prompt(rng, color, shape, direction, speed):
    """Training prompt for one clip: mostly the canonical form, sometimes varied; a few leave out an attribute
    (the clip then stands for the unconstrained attribute) or carry an unknown word ([UNK])."""
    article = rng.choice(["a", "a", "a", "a", "a", "the", "an", ""])
    words = ([article] if article else [])
    r = rng.random()
    if r < 0.04:  # no color
        words += [shape]
    elif r < 0.08:  # no shape word ("a red moving left" is odd but harmless)
        words += [color]
    else:
        words += [color, shape]
    if 0.08 <= r < 0.12:  # no motion phrase
        pass
    else:
        if speed and rng.random() < 0.2:
            words += ["moving", speed, direction]
        else:
            words += ["moving", direction] + ([speed] if speed else [])
    if rng.random() < 0.08:  # an unknown word somewhere
        words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(UNKNOWN_WORDS)))
    return " ".join(words)


def tokenize(prompt):
    """Python twin of tokenizer.json: lowercase, punctuation to spaces, split on whitespace, unknown -> [UNK]."""
    import re
    words = re.sub(r"[^a-z0-9\s]", " ", prompt.lower()).split()
    ids = [WORD_ID.get(w, 1) for w in words][:MAX_LEN]
    mask = [1] * len(ids) + [0] * (MAX_LEN - len(ids))
    return ids + [0] * (MAX_LEN - len(ids)), mask


def sample_params(rng, n, triples, frames=FRAMES):
    """Random clip parameters: list of dicts with attributes, size, start center and velocity."""
    out = []
    for _ in range(n):
        c, s, d = triples[int(rng.integers(len(triples)))]
        sp = int(rng.integers(3))
        size = float(rng.uniform(*SIZE_RANGE))
        v = SPEED_PX[sp]
        ux, uy = DIR_VEC[d]
        lo, hi = MARGIN + size / 2, W - MARGIN - size / 2
        travel = v * (frames - 1)
        # along the motion axis the whole path must fit; across it any position inside
        a0 = float(rng.uniform(lo, hi - travel))
        p = float(rng.uniform(lo, hi))
        if ux != 0:
            x0, y0 = (a0 if ux > 0 else W - a0), p
        else:
            x0, y0 = p, (a0 if uy > 0 else H - a0)
        out.append(dict(color=c, shape=s, direction=d, speed=SPEEDS[sp], size=size,
                        x0=x0, y0=y0, vx=ux * v, vy=uy * v))
    return out


def render(params, t_index):
    """Render frames t_index (1-D list/array of frame numbers) of each clip in params.

    Returns (video [N,3,T,H,W] float32 in [-1,1], coverage [N,T,H,W] in [0,1]). Anti-aliased by a signed
    distance: coverage = clamp(0.5 - sdf, 0, 1)."""
    n, t = len(params), torch.as_tensor(np.asarray(t_index, dtype=np.float32))
    f = lambda k: torch.tensor([p[k] for p in params], dtype=torch.float32)[:, None, None, None]
    cx = f("x0") + f("vx") * t[None, :, None, None]
    cy = f("y0") + f("vy") * t[None, :, None, None]
    half = f("size") / 2
    ys = torch.arange(H, dtype=torch.float32)[None, None, :, None] + 0.5
    xs = torch.arange(W, dtype=torch.float32)[None, None, None, :] + 0.5
    shape_id = np.array([SHAPES.index(p["shape"]) for p in params])
    sd = torch.empty(n, len(t), H, W)
    k = 1.0 / np.sqrt(5.0)  # triangle side edges have normals (+-2, -1)/sqrt(5) in (x, y)
    for s in range(3):
        idx = torch.from_numpy(np.nonzero(shape_id == s)[0])
        if len(idx) == 0:
            continue
        dx, dy, hf = xs - cx[idx], ys - cy[idx], half[idx]
        if s == 0:  # circle of diameter size
            sd[idx] = torch.sqrt(dx * dx + dy * dy) - hf
        elif s == 1:  # square of side size
            sd[idx] = torch.maximum(dx.abs(), dy.abs()) - hf
        else:  # upright isosceles triangle, base = height = size, bbox centered on (cx, cy)
            sd[idx] = torch.maximum(dy - hf, torch.maximum((2 * dx - dy) * k, (-2 * dx - dy) * k) - hf * k)
    cov = (0.5 - sd).clamp(0, 1)
    bg = torch.tensor(BACKGROUND, dtype=torch.float32)[None, :, None, None, None] / 127.5 - 1
    fg = torch.tensor([PALETTE[p["color"]] for p in params], dtype=torch.float32)[:, :, None, None, None] / 127.5 - 1
    video = bg + cov[:, None] * (fg - bg)
    return video, cov


def to_uint8(video):
    """[N,3,T,H,W] in [-1,1] -> [N,T,H,W,3] uint8 (the scorer's input layout)."""
    v = ((video.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return v.permute(0, 2, 3, 4, 1).numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="work/gt")
    ap.add_argument("--n", type=int, default=144)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--heldout", action="store_true", help="draw from held-out triples only")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    params = sample_params(rng, a.n, HELDOUT if a.heldout else ALL_TRIPLES)
    video, _ = render(params, np.arange(FRAMES))
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "clips.npy"), to_uint8(video))
    for p in params:
        p["prompt"] = canonical_prompt(p["color"], p["shape"], p["direction"], p["speed"])
    with open(os.path.join(a.out, "clips.json"), "w") as fh:
        json.dump(params, fh, indent=1)
    print(f"wrote {a.n} clips to {a.out}/clips.npy")


if __name__ == "__main__":
    main()
