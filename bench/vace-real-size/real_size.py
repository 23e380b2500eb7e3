#!/usr/bin/env python3
"""Wan VACE at its real sizes: exact parameter counts and the bytes of every graph ``export_wan.py`` writes for
Wan 2.1 VACE 1.3B, Wan 2.1 VACE 14B and Wan 2.2 VACE-Fun A14B, computed on PyTorch's meta device from the real
configs (no weights, no download).

    bench/vace-real-size/real_size.py     # run with models/.venv/bin/python (torch + diffusers, models/setup-debian.sh)

Configs: the transformers are diffusers' ``WanVACETransformer3DModel`` with the checkpoints' configs
(Wan-AI/Wan2.1-VACE-1.3B-diffusers: 30 layers, 12 heads of 128, FFN 8960, VACE blocks at every 2nd layer;
Wan-AI/Wan2.1-VACE-14B-diffusers and linoyts/Wan2.2-VACE-Fun-14B-diffusers: 40 layers, 40 heads of 128, FFN 13824,
VACE blocks at every 5th layer; the A14B has two such transformers, high- and low-noise expert). The text encoder
is UMT5-XXL (Kino's export module), the VAE ``AutoencoderKLWan()`` (Wan 2.1's, which all three use). fp16 bytes
are those of the export's casts (``to_export_dtype_``: the float32 modules diffusers keeps, and both patch
embeddings, stay float32). Writes results.json and results.md beside this file.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models", "export"))
sys.path.insert(0, os.path.join(HERE, ".."))
from kinoexport.wan.denoiser import to_export_dtype_  # noqa: E402
from realsize.shared import nbytes, xxl_encoder_size  # noqa: E402

COMMON = dict(patch_size=(1, 2, 2), attention_head_dim=128, in_channels=16, out_channels=16, text_dim=4096,
              freq_dim=256, cross_attn_norm=True, qk_norm="rms_norm_across_heads", eps=1e-6, vace_in_channels=96)
VACE_13B = dict(COMMON, num_attention_heads=12, ffn_dim=8960, num_layers=30, vace_layers=list(range(0, 30, 2)))
VACE_14B = dict(COMMON, num_attention_heads=40, ffn_dim=13824, num_layers=40, vace_layers=list(range(0, 40, 5)))
# name: (transformer config, denoiser graphs, diffusers folder the export command reads)
MODELS = {"Wan 2.1 VACE 1.3B": (VACE_13B, ["denoiser.onnx"], "Wan-AI/Wan2.1-VACE-1.3B-diffusers"),
          "Wan 2.1 VACE 14B": (VACE_14B, ["denoiser.onnx"], "Wan-AI/Wan2.1-VACE-14B-diffusers"),
          "Wan 2.2 VACE-Fun A14B": (VACE_14B, ["denoiser.onnx", "denoiser_low_noise.onnx"],
                                    "linoyts/Wan2.2-VACE-Fun-14B-diffusers")}


def denoiser_size(cfg):
    from diffusers import WanVACETransformer3DModel
    with torch.device("meta"):
        t = WanVACETransformer3DModel(**cfg)
        n = sum(p.numel() for p in t.parameters())
        vace = sum(p.numel() for m in (t.vace_blocks, t.vace_patch_embedding) for p in m.parameters())
        fp32 = nbytes(t)
        to_export_dtype_(t, torch.float16)
        t.vace_patch_embedding.float()     # as kinoexport/wan/vace.py exports it
        return {"parameters": n, "vace_parameters": vace, "fp32_bytes": fp32, "fp16_bytes": nbytes(t)}


def vae_sizes():
    from diffusers import AutoencoderKLWan
    with torch.device("meta"):
        vae = AutoencoderKLWan()
        dec = sum(p.numel() for m in (vae.decoder, vae.post_quant_conv) for p in m.parameters())
        enc = sum(p.numel() for m in (vae.encoder, vae.quant_conv) for p in m.parameters())
    return ({"parameters": dec, "fp32_bytes": 4 * dec, "fp16_bytes": 4 * dec},     # the VAE stays fp32
            {"parameters": enc, "fp32_bytes": 4 * enc, "fp16_bytes": 4 * enc})


def gb(b):
    return f"{b / 1e9:.2f} GB"


def markdown(res):
    lines = ["# Wan VACE at real size: the graphs `export_wan.py` writes (computed)", "",
             "Produced by `bench/vace-real-size/real_size.py`: exact parameter counts on PyTorch's meta device from "
             "the real configs, times the bytes per weight of the export (fp16: the float32 modules stay float32; "
             "the VAE is always float32). Nothing here was exported at real size.", ""]
    for name, m in res["models"].items():
        lines += [f"## {name} (`{m['source']}`)", "", "| graph | parameters | fp32 | fp16 export |", "|---|---|---|---|"]
        for g, x in m["graphs"].items():
            lines.append(f"| {g} | {x['parameters']:,} | {gb(x['fp32_bytes'])} | {gb(x['fp16_bytes'])} |")
        t = m["total"]
        lines += [f"| **package** | {t['parameters']:,} | {gb(t['fp32_bytes'])} | {gb(t['fp16_bytes'])} |", ""]
    return "\n".join(lines)


def main():
    torch.set_num_threads(1)
    text = xxl_encoder_size(256384)
    dec, enc = vae_sizes()
    res = {"models": {}}
    for name, (cfg, denoisers, source) in MODELS.items():
        d = denoiser_size(cfg)
        graphs = {f"{f} + _data (VACE blocks {d['vace_parameters']:,})": d for f in denoisers}
        graphs.update({"text_encoder.onnx + _data (UMT5-XXL)": text, "vae_decoder (first/next)": dec,
                       "vae_encoder (first/next)": enc})
        total = {k: sum(g[k] for g in graphs.values()) for k in ("parameters", "fp32_bytes", "fp16_bytes")}
        res["models"][name] = {"source": source, "config": cfg, "graphs": graphs, "total": total}
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(res, f, indent=2)
    md = markdown(res)
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write(md + "\n")
    print(md)


if __name__ == "__main__":
    main()
