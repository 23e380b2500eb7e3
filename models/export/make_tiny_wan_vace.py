#!/usr/bin/env python3
"""Builds a tiny random-weight Wan 2.1 VACE model in the diffusers folder layout and exports it as a Kino test
package (engine/core/src/test/resources/wan-vace/tiny-wan21-vace).

The real classes at small sizes: diffusers' ``WanVACETransformer3DModel`` (3 layers, VACE blocks at layers 0 and
2, 96 control channels as the real model; 2 heads of 16, text_dim 32), the ``AutoencoderKLWan``, UMT5 encoder,
tokenizer and UniPC scheduler of make_tiny_wan.py, and ``model_index.json`` naming ``WanVACEPipeline``.
``export_wan.py --verify`` exports the VACE denoiser (control inputs), the VAE decoder and encoder, and checks
every graph against PyTorch. Run from the repository root:

    python models/export/make_tiny_wan_vace.py      # -> work/tiny-src/wan21-vace, the package
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
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "wan-vace"))
VACE = dict(t2v.TRANSFORMER, num_layers=3, vace_layers=[0, 2], vace_in_channels=96)


def build(root):
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanVACETransformer3DModel
    os.makedirs(root, exist_ok=True)
    vocab = t2v.train_tokenizer(os.path.join(root, "tokenizer"))
    torch.manual_seed(20250404)
    cfg = UMT5Config(vocab_size=vocab, **t2v.TEXT)
    os.makedirs(os.path.join(root, "text_encoder"), exist_ok=True)
    save_file({k: v.contiguous() for k, v in UMT5Encoder(cfg).state_dict().items()},
              os.path.join(root, "text_encoder", "model.safetensors"), metadata={"format": "pt"})
    json.dump(cfg.to_hf_dict(), open(os.path.join(root, "text_encoder", "config.json"), "w"), indent=2)
    WanVACETransformer3DModel(**VACE).save_pretrained(os.path.join(root, "transformer"))
    vae = AutoencoderKLWan(**t2v.VAE)
    with torch.no_grad():
        vae.decoder.conv_out.bias.zero_()
    vae.save_pretrained(os.path.join(root, "vae"))
    UniPCMultistepScheduler(**manifest.WAN21_SCHEDULER_ARGS).save_pretrained(os.path.join(root, "scheduler"))
    index = {"_class_name": "WanVACEPipeline", "_diffusers_version": "0.40.0.dev0",
             "scheduler": ["diffusers", "UniPCMultistepScheduler"],
             "text_encoder": ["transformers", "UMT5EncoderModel"], "tokenizer": ["transformers", "T5TokenizerFast"],
             "transformer": ["diffusers", "WanVACETransformer3DModel"], "vae": ["diffusers", "AutoencoderKLWan"]}
    json.dump(index, open(os.path.join(root, "model_index.json"), "w"), indent=2)


def main():
    torch.set_num_threads(2)
    if "--package-only" not in sys.argv:
        build(SRC)
    t2v.export(SRC, os.path.join(FIXTURES, "tiny-wan21-vace"), ["--name", "tiny-wan21-vace", "--guidance", "5.0"])


if __name__ == "__main__":
    main()
