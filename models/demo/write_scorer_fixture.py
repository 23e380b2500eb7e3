#!/usr/bin/env python3
"""Writes ground-truth clips for the Java scorer's own test: the scorer must read 100% on them.

    cd models/demo && /usr/bin/python3 write_scorer_fixture.py

writes bench/src/test/resources/demo-gt/clips.u8.gz (uint8 [N,16,64,64,3], gzip) and clips.json (the
parameters of each clip). 36 clips: 12 color/shape/direction triples that together cover every color,
shape and direction, each with every speed word (slowly, none, quickly).
"""
import gzip
import json
import os

import numpy as np

from data import COLORS, DIRECTIONS, FRAMES, HELDOUT, SHAPES, SPEEDS, render, sample_params, to_uint8

OUT = os.path.join("..", "..", "bench", "src", "test", "resources", "demo-gt")


def main():
    rng = np.random.default_rng(2026)
    params = []
    for i in range(36):
        triple = (COLORS[i % 6], SHAPES[i % 3], DIRECTIONS[i % 4])
        p = sample_params(rng, 1, [triple])[0]
        params.append(p)
    # speeds rotate through slowly / none / quickly independently of the triple
    for i, p in enumerate(params):
        want = SPEEDS[i % 3]
        if p["speed"] != want:
            q = sample_params(np.random.default_rng(1000 + i), 64, [(p["color"], p["shape"], p["direction"])])
            params[i] = next(x for x in q if x["speed"] == want)
    video, _ = render(params, np.arange(FRAMES))
    clips = to_uint8(video)
    os.makedirs(OUT, exist_ok=True)
    with gzip.open(os.path.join(OUT, "clips.u8.gz"), "wb", compresslevel=9) as f:
        f.write(clips.tobytes())
    for p in params:
        p["heldout"] = (p["color"], p["shape"], p["direction"]) in HELDOUT
    with open(os.path.join(OUT, "clips.json"), "w") as f:
        json.dump({"shape": list(clips.shape), "clips": params}, f, indent=1)
    print("wrote", clips.shape, "to", OUT)


if __name__ == "__main__":
    main()
