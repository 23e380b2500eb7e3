#!/usr/bin/env python3
"""Builds the tiny random-weight Wan 2.1 text-to-video model of make_tiny_wan.py again and exports it WITH its
VAE encoder, the package Kino's video-to-video parity test runs (WanVideoToVideoPipeline).

Same diffusers classes, sizes and seeds as make_tiny_wan.py's ``wan21`` (2-layer WanTransformer3DModel, the
real 4-level AutoencoderKLWan at base_dim 8, UniPC as Wan 2.1 ships it); ``export_wan.py --verify`` exports a
text model's VAE encoder too (``vae_encoder`` at the top of kino.json) and checks every graph, the encoder's
step graphs included, against PyTorch. Run from the repository root:

    python models/export/make_tiny_wan_v2v.py    # -> work/tiny-src/wan21-v2v, engine/core/src/test/resources/wan-v2v/
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_tiny_wan as t2v  # noqa: E402

SRC = os.path.join(t2v.SRC, "wan21-v2v")
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "wan-v2v"))


def main():
    import torch
    torch.set_num_threads(2)
    if "--package-only" not in sys.argv:
        t2v.build_folder(SRC, experts=1)
    t2v.export(SRC, os.path.join(FIXTURES, "tiny-wan21-v2v"), ["--name", "tiny-wan21-v2v", "--guidance", "5.0"])


if __name__ == "__main__":
    main()
