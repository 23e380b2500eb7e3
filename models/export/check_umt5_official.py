#!/usr/bin/env python3
"""Checks Kino's T5-family encoder (kinoexport/common/umt5.py) against the official Wan 2.1 T5 encoder, in both
variants: UMT5 (Wan; official ``shared_pos=False``) and T5 v1.1 (LTX-Video; official ``shared_pos=True``:
one relative-position bias shared by all layers, HF's ``block.0...relative_attention_bias``).

The official code is ``wan/modules/t5.py`` of Wan2.1 (importable as ``wan``, or give the
folder of a Wan2.1 checkout with --wan). Both are built with the same small config and the official model's random weights
(its own ``init_weights``), copied into Kino's module through the key mapping below (official name ->
HuggingFace name). Then both encode random ids with padding masks; the outputs must agree within
1e-5 relative. A real-size mapping check (names and shapes only, on the meta device) covers umt5-xxl.

    python check_umt5_official.py --wan DIR   # prints the errors, exits 1 on failure
"""
import argparse
import importlib.util
import os
import sys
import types

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kinoexport.common.umt5 import UMT5Config, UMT5Encoder  # noqa: E402


def load_official_t5(wan_root):
    """Imports wan/modules/t5.py alone: the package __init__ pulls in flash-attn and transformers, and
    T5EncoderModel's default argument calls torch.cuda.current_device() at import time."""
    for name in ("ftfy", "transformers"):
        stub = types.ModuleType(name)
        stub.AutoTokenizer = None
        sys.modules.setdefault(name, stub)
    pkg = types.ModuleType("wan_modules_stub")
    pkg.__path__ = [os.path.join(wan_root, "wan", "modules")]
    sys.modules["wan_modules_stub"] = pkg
    current_device = torch.cuda.current_device
    torch.cuda.current_device = lambda: "cpu"
    try:
        spec = importlib.util.spec_from_file_location("wan_modules_stub.t5",
                                                      os.path.join(wan_root, "wan", "modules", "t5.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        torch.cuda.current_device = current_device
    return module


def official_to_hf(name):
    """Official Wan T5Encoder parameter name -> HuggingFace (U)MT5EncoderModel name."""
    if name == "token_embedding.weight":
        return "shared.weight"
    if name == "pos_embedding.embedding.weight":     # shared_pos=True: T5 v1.1 keeps it in block 0
        return "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"
    if name == "norm.weight":
        return "encoder.final_layer_norm.weight"
    _, i, rest = name.split(".", 2)
    table = {"norm1.weight": "layer.0.layer_norm.weight",
             "attn.q.weight": "layer.0.SelfAttention.q.weight",
             "attn.k.weight": "layer.0.SelfAttention.k.weight",
             "attn.v.weight": "layer.0.SelfAttention.v.weight",
             "attn.o.weight": "layer.0.SelfAttention.o.weight",
             "pos_embedding.embedding.weight": "layer.0.SelfAttention.relative_attention_bias.weight",
             "norm2.weight": "layer.1.layer_norm.weight",
             "ffn.gate.0.weight": "layer.1.DenseReluDense.wi_0.weight",
             "ffn.fc1.weight": "layer.1.DenseReluDense.wi_1.weight",
             "ffn.fc2.weight": "layer.1.DenseReluDense.wo.weight"}
    return f"encoder.block.{i}.{table[rest]}"


def umt5_xxl_official_cfg():
    return dict(vocab=256384, dim=4096, dim_attn=4096, dim_ffn=10240, num_heads=64, num_layers=24,
                num_buckets=32, shared_pos=False, dropout=0.1)


# google/t5-v1_1-xxl (LTX-Video's text encoder): vocab 32128, d_model 4096, d_kv 64, d_ff 10240, 64 heads, 24 layers
T5_XXL = dict(vocab_size=32128, d_model=4096, d_kv=64, d_ff=10240, num_heads=64, num_layers=24)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_wan = next((p for p in sys.path if os.path.isfile(os.path.join(p, "wan", "modules", "t5.py"))), None)
    ap.add_argument("--wan", default=default_wan, help="folder holding wan/modules/t5.py")
    args = ap.parse_args()
    official = load_official_t5(args.wan)
    torch.manual_seed(0)
    ok = True

    # 1. names and shapes at the real umt5-xxl / t5-v1_1-xxl sizes (meta device: no memory)
    for label, shared, kino_cfg in (("umt5-xxl", False, dict(vocab_size=256384, d_model=4096, d_kv=64, d_ff=10240,
                                                               num_heads=64, num_layers=24)),
                                    ("t5-v1_1-xxl", True, T5_XXL)):
        with torch.device("meta"):
            ref = official.T5Encoder(**{**umt5_xxl_official_cfg(), "vocab": kino_cfg["vocab_size"],
                                        "shared_pos": shared})
            mine = UMT5Encoder(UMT5Config(**kino_cfg, model_type="t5" if shared else "umt5"))
        ref_shapes = {official_to_hf(k): tuple(v.shape) for k, v in ref.state_dict().items()}
        mine_shapes = {k: tuple(v.shape) for k, v in mine.state_dict().items()}
        same = ref_shapes == mine_shapes
        print(f"{label}: {len(mine_shapes)} tensors, {sum(torch.Size(s).numel() for s in mine_shapes.values()):,} "
              f"parameters; names/shapes match the official model through the mapping: {same}")
        ok &= same

    # 2. numerics on random weights, three configs per variant (buckets/distances exercised with long
    #    sequences), with padding masks and (LTX calls the encoder so) without a mask
    for shared in (False, True):
        for dim, heads, d_kv, ffn, layers, length in ((32, 4, 8, 64, 2, 40), (48, 3, 16, 80, 3, 200),
                                                      (64, 8, 8, 96, 2, 300)):
            vocab = 97
            ref = official.T5Encoder(vocab=vocab, dim=dim, dim_attn=heads * d_kv, dim_ffn=ffn, num_heads=heads,
                                     num_layers=layers, num_buckets=32, shared_pos=shared, dropout=0.1).eval()
            mine = UMT5Encoder(UMT5Config(vocab_size=vocab, d_model=dim, d_kv=d_kv, d_ff=ffn, num_heads=heads,
                                          num_layers=layers, model_type="t5" if shared else "umt5")).eval()
            mine.load_state_dict({official_to_hf(k): v for k, v in ref.state_dict().items()}, strict=True)
            ids = torch.randint(3, vocab, (3, length))
            mask = torch.zeros(3, length, dtype=torch.int64)
            for row, n in enumerate((length, length // 3, 1)):
                mask[row, :n] = 1
                ids[row, n:] = 0
                ids[row, n - 1] = 1
            with torch.no_grad():
                a, b = ref(ids, mask), mine(ids, mask)
                a0, b0 = ref(ids), mine(ids)
            rel = float((a - b).abs().max() / a.abs().max())
            rel_nomask = float((a0 - b0).abs().max() / a0.abs().max())
            print(f"{'t5 (shared bias)' if shared else 'umt5'} dim {dim} heads {heads} layers {layers} L {length}: "
                  f"max rel diff {rel:.2e} with mask, {rel_nomask:.2e} without")
            ok &= rel <= 1e-5 and rel_nomask <= 1e-5
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
