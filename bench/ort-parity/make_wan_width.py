#!/usr/bin/env python3
"""Builds a Wan-width transformer with random weights and exports its denoiser graph for the parity bench.

    python bench/ort-parity/make_wan_width.py [--layers 4] [--out bench/ort-parity/work/wan-width]

The model is diffusers' ``WanTransformer3DModel`` at Wan 2.1 1.3B's width (dim 1536: 12 heads of 128,
FFN 8960, text_dim 4096, freq_dim 256, patch 1x2x2) with fewer blocks (4 of 30), seeded random weights.
It is saved in the diffusers layout (OUT/transformer/, what torch_eager.py loads) and its denoiser is
exported by models/export's exporter (OUT/denoiser.onnx + .onnx_data, fp32, com.microsoft.MultiHeadAttention,
the graph Kino runs for Wan), so Kino, the Python onnxruntime loop and PyTorch eager see the same weights.
About 1 GB on disk and 3 minutes on 2 cores.
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "models", "export")))
import export_wan  # noqa: E402

# Wan 2.1 T2V 1.3B's transformer config (its diffusers transformer/config.json) but for num_layers
WAN_1_3B = dict(patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16,
                out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=8960, cross_attn_norm=True,
                qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=1024)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--out", default=os.path.join(HERE, "work", "wan-width"))
    args = ap.parse_args()
    from diffusers import WanTransformer3DModel
    folder = os.path.join(args.out, "transformer")
    torch.manual_seed(20251128)
    model = WanTransformer3DModel(num_layers=args.layers, **WAN_1_3B)
    # diffusers' init leaves most Linear layers at PyTorch's default scale; keep activations finite over
    # the blocks (random weights only: what matters here is the arithmetic, not the output)
    model.save_pretrained(folder)
    print(f"{sum(p.numel() for p in model.parameters()) / 1e6:.0f} M parameters -> {folder}", flush=True)
    del model
    export_wan.export_denoiser(folder, os.path.join(args.out, "denoiser.onnx"), "fp32", "mha", do_verify=False,
                               check=False)


if __name__ == "__main__":
    main()
