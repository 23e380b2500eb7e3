#!/usr/bin/env python3
"""HunyuanVideo 1.5 at its real size: exact parameter counts and package sizes of every graph Kino exports,
computed on PyTorch's meta device from the real configs (no weights, no download).

    cd bench/hunyuan-real-size && ../../models/.venv/bin/python real_size.py      # torch + diffusers (models/setup-debian.sh)

Configs: the transformer and VAE are ``HunyuanVideo15Transformer3DModel()`` / ``AutoencoderKLHunyuanVideo15()`` with
diffusers' defaults, which are the 480p/720p checkpoints' (54 layers, 16 heads of 128, Qwen width 3584, ByT5 width
1472, 32 latent channels); the text encoders are Kino's own export modules with Qwen2.5-VL-7B-Instruct's text config
(28 layers, width 3584, 28 query / 4 key-value heads, MLP 18944, vocabulary 152064; the export keeps 26 layers:
hidden state -3) and google/byt5-small's encoder (12 layers, d_model 1472, 6 heads of 64, d_ff 3584, 384 ids).
Writes results.json beside this file.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models", "export"))
from kinoexport.common import umt5  # noqa: E402
from kinoexport.hunyuan import qwen, text  # noqa: E402

QWEN_7B = dict(vocab_size=152064, hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
               num_attention_heads=28, num_key_value_heads=4, rms_norm_eps=1e-6, rope_theta=1000000.0)
BYT5_SMALL = dict(vocab_size=384, d_model=1472, d_kv=64, d_ff=3584, num_heads=6, num_layers=12,
                  model_type="t5", feed_forward_proj="gated-gelu", dense_act_fn="gelu_new")


def count(module):
    return sum(p.numel() for p in module.parameters())


def main():
    from diffusers import AutoencoderKLHunyuanVideo15, HunyuanVideo15Transformer3DModel
    with torch.device("meta"):
        transformer = HunyuanVideo15Transformer3DModel()
        vae = AutoencoderKLHunyuanVideo15()
        qwen_full = qwen.QwenTextEncoder(qwen.QwenTextConfig(**QWEN_7B), 0)
        qwen_kept = qwen.QwenTextEncoder(qwen.QwenTextConfig(**QWEN_7B), text.SKIP_LAYERS)
        byt5 = umt5.UMT5Encoder(umt5.UMT5Config(**BYT5_SMALL))
    image = count(transformer.image_embedder)    # image-to-video only: unused by the text-to-video graph
    rows = {
        "denoiser (HunyuanVideo15Transformer3DModel)": count(transformer) - image,
        "text_encoder (Qwen2.5-VL-7B text, 26 of 28 layers)": count(qwen_kept),
        "text_encoder_2 (ByT5-small encoder)": count(byt5),
        "vae_decoder (AutoencoderKLHunyuanVideo15 decoder)": count(vae.decoder),
    }
    out = {"parameters": rows, "fp32_bytes": {k: 4 * v for k, v in rows.items()},
           "notes": {"transformer_total_with_image_projection": count(transformer),
                     "qwen_text_model_all_28_layers": count(qwen_full), "vae_total": count(vae)}}
    for k, v in rows.items():
        print(f"{k:55s} {v:>15,d} params  {4 * v / 1e9:7.2f} GB fp32")
    print(f"{'total':55s} {sum(rows.values()):>15,d} params  {4 * sum(rows.values()) / 1e9:7.2f} GB fp32")
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
