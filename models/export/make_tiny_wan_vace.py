#!/usr/bin/env python3
"""Builds tiny random-weight Wan VACE models in the diffusers folder layout and exports them as Kino test packages
(engine/core/src/test/resources/wan-vace/tiny-wan21-vace and tiny-wan22-vace).

The real classes at small sizes: diffusers' ``WanVACETransformer3DModel`` (3 layers, VACE blocks at layers 0 and
2, 96 control channels as the real model; 2 heads of 16, text_dim 32), the ``AutoencoderKLWan``, UMT5 encoder,
tokenizer and UniPC scheduler of make_tiny_wan.py, and ``model_index.json`` naming ``WanVACEPipeline``. ``wan22-vace`` is the Wan2.2-VACE-Fun-A14B design diffusers
loads into the same pipeline: two such transformers (``transformer`` high noise, ``transformer_2`` low noise,
``boundary_ratio`` 0.875, guidance 4.0 / 3.0) and the VAE at ``num_res_blocks=1`` as tiny-wan22.
``export_wan.py --verify`` exports the VACE denoiser (control inputs), the VAE decoder and encoder, and checks
every graph against PyTorch. Run from the repository root:

    python models/export/make_tiny_wan_vace.py      # -> work/tiny-src/wan21-vace, wan22-vace, the packages
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_tiny_wan as t2v  # noqa: E402
from kinoexport.wan import manifest  # noqa: E402
from kinoexport.common.umt5 import UMT5Config, UMT5Encoder  # noqa: E402

SRC = os.path.join(t2v.SRC, "wan21-vace")
SRC22 = os.path.join(t2v.SRC, "wan22-vace")
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "wan-vace"))
VACE = dict(t2v.TRANSFORMER, num_layers=3, vace_layers=[0, 2], vace_in_channels=96)


def build(root, experts=1, seed=20250404, **vae_overrides):
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanVACETransformer3DModel
    os.makedirs(root, exist_ok=True)
    vocab = t2v.train_tokenizer(os.path.join(root, "tokenizer"))
    torch.manual_seed(seed)
    cfg = UMT5Config(vocab_size=vocab, **t2v.TEXT)
    os.makedirs(os.path.join(root, "text_encoder"), exist_ok=True)
    save_file({k: v.contiguous() for k, v in UMT5Encoder(cfg).state_dict().items()},
              os.path.join(root, "text_encoder", "model.safetensors"), metadata={"format": "pt"})
    json.dump(cfg.to_hf_dict(), open(os.path.join(root, "text_encoder", "config.json"), "w"), indent=2)
    for sub in ("transformer", "transformer_2")[:experts]:
        WanVACETransformer3DModel(**VACE).save_pretrained(os.path.join(root, sub))
    vae = AutoencoderKLWan(**{**t2v.VAE, **vae_overrides})
    with torch.no_grad():
        vae.decoder.conv_out.bias.zero_()
    vae.save_pretrained(os.path.join(root, "vae"))
    UniPCMultistepScheduler(**manifest.WAN21_SCHEDULER_ARGS).save_pretrained(os.path.join(root, "scheduler"))
    index = {"_class_name": "WanVACEPipeline", "_diffusers_version": "0.40.0.dev0",
             "scheduler": ["diffusers", "UniPCMultistepScheduler"],
             "text_encoder": ["transformers", "UMT5EncoderModel"], "tokenizer": ["transformers", "T5TokenizerFast"],
             "transformer": ["diffusers", "WanVACETransformer3DModel"], "vae": ["diffusers", "AutoencoderKLWan"]}
    if experts == 2:
        index.update({"transformer_2": ["diffusers", "WanVACETransformer3DModel"], "boundary_ratio": 0.875})
    json.dump(index, open(os.path.join(root, "model_index.json"), "w"), indent=2)


def main():
    torch.set_num_threads(2)
    if "--package-only" not in sys.argv:
        build(SRC)
        build(SRC22, experts=2, seed=20250505, num_res_blocks=1)
    t2v.export(SRC, os.path.join(FIXTURES, "tiny-wan21-vace"), ["--name", "tiny-wan21-vace", "--guidance", "5.0"])
    t2v.export(SRC22, os.path.join(FIXTURES, "tiny-wan22-vace"),
               ["--name", "tiny-wan22-vace", "--guidance", "4.0", "--guidance-2", "3.0"])


if __name__ == "__main__":
    main()
