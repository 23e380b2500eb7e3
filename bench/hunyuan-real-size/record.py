#!/usr/bin/env python3
"""The measured real-size record for HunyuanVideo 1.5: random weights at the real config, exported, converted to
a low precision without a whole-graph load, and run by Kino at a small size. ``run.sh`` drives the stages:

    make      WORK/src: the real configs (diffusers' defaults for the transformer; a real-width ONE-layer Qwen2.5
              stand-in; the real ByT5-small encoder) and, per folder, ``random_shapes.json`` (every tensor's shape)
    export    (PyTorch 2.x + diffusers) export_hunyuan.py's own export functions, with its weight source replaced
              by :class:`RandomSource`: each tensor is generated (seeded by its name) when the exporter asks for it,
              so no 16.6 GB bf16 folder sits beside the 33.3 GB fp32 denoiser. Writes WORK/fp32/ + export.json
    kinopkg   (ONNX Runtime Python) WORK/w4: quantize_package.py --streamed on the fp32 package, the tiny VAE
              and the tokenizers of the committed tiny-hunyuan fixture, the manifest through kino_manifest.py
    kino      ``./kino info`` and ``./kino generate`` (3 steps, guidance on: batch 2) under /usr/bin/time -v

Every stage runs in its own process; figures go to WORK/*.json and are copied into results.md by hand (dated).
"""
import argparse
import json
import os
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
EXPORT = os.path.join(ROOT, "models", "export")
TINY = os.path.join(ROOT, "engine", "core", "src", "test", "resources", "hunyuan", "tiny-hunyuan")
sys.path.insert(0, EXPORT)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

# Qwen2.5-VL-7B's text width with 3 layers: the export drops the last 2 (hidden state -3), so ONE layer is exported
QWEN_STAND_IN = dict(vocab_size=152064, hidden_size=3584, intermediate_size=18944, num_hidden_layers=3,
                     num_attention_heads=28, num_key_value_heads=4, rms_norm_eps=1e-6, rope_theta=1000000.0)


def shapes_of(module):
    return {k: list(v.shape) for k, v in module.state_dict().items()}


def stage_make(work):
    import torch
    from diffusers import HunyuanVideo15Transformer3DModel
    from real_size import BYT5_SMALL
    from kinoexport.common import umt5
    from kinoexport.hunyuan import qwen
    src = os.path.join(work, "src")
    with torch.device("meta"):
        t = HunyuanVideo15Transformer3DModel()
        q = qwen.QwenTextEncoder(qwen.QwenTextConfig(**QWEN_STAND_IN), 0)
        b = umt5.UMT5Encoder(umt5.UMT5Config(**BYT5_SMALL))
    for sub, module, config in (("transformer", t, dict(t.config)), ("text_encoder", q, QWEN_STAND_IN),
                                ("text_encoder_2", b, BYT5_SMALL)):
        os.makedirs(os.path.join(src, sub), exist_ok=True)
        json.dump({k: v for k, v in config.items()}, open(os.path.join(src, sub, "config.json"), "w"), indent=1,
                  default=list)
        json.dump(shapes_of(module), open(os.path.join(src, sub, "random_shapes.json"), "w"))
        print(f"{sub}: {sum(p.numel() for p in module.parameters()):,} parameters (shapes only)")


class RandomSource:
    """Stands in for ``onnx_weights.SafetensorsSource``: the same ``get`` / ``keys`` / ``in``, with each tensor
    generated when asked: N(0, 1/fan_in) for matrices and convolutions (fan_in: all but the first dimension),
    ones for norm scales, zeros for other vectors; seeded by crc32 of the name, so every run writes the same bytes."""
    seconds = 0.0

    def __init__(self, folder):
        self.shapes = json.load(open(os.path.join(folder, "random_shapes.json")))

    def keys(self):
        return self.shapes.keys()

    def __contains__(self, key):
        return key in self.shapes

    def get(self, key):
        import numpy as np
        import torch
        t0 = time.time()
        shape = self.shapes[key]
        if len(shape) >= 2:
            fan_in = int(np.prod(shape[1:]))
            rng = np.random.default_rng(zlib.crc32(key.encode()))
            a = rng.standard_normal(shape, dtype=np.float32)
            a *= np.float32(fan_in ** -0.5)
        elif "norm" in key and key.endswith("weight"):
            a = np.ones(shape, np.float32)
        else:
            a = np.zeros(shape, np.float32)
        RandomSource.seconds += time.time() - t0
        return torch.from_numpy(a)


def stage_export(work):
    import torch
    from kinoexport.common import onnx_weights as ow
    from realsize.shared import peak_mib
    torch.set_num_threads(1)
    ow.SafetensorsSource = RandomSource          # the exporter's functions, unchanged, on generated weights
    import export_hunyuan as eh
    src, out = os.path.join(work, "src"), os.path.join(work, "fp32")
    os.makedirs(out, exist_ok=True)
    rec = {}
    for name, run in (("text_encoders", lambda: (eh.export_qwen(src, out, False), eh.export_byt5(src, out, False))),
                      ("denoiser", lambda: eh.export_denoiser(os.path.join(src, "transformer"),
                                                              os.path.join(out, "denoiser.onnx"), False, check=False))):
        RandomSource.seconds = 0.0
        t0 = time.time()
        run()
        rec[name] = {"seconds": round(time.time() - t0, 1), "of_which_generating_weights_s":
                     round(RandomSource.seconds, 1), "peak_rss_mib_so_far": peak_mib()}
        print(name, rec[name], flush=True)
    rec["files"] = {n: os.path.getsize(os.path.join(out, n)) for n in sorted(os.listdir(out))}
    json.dump(rec, open(os.path.join(work, "export.json"), "w"), indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=["make", "export"])
    ap.add_argument("--work", default=os.path.join(ROOT, "models", "export", "work", "hunyuan-real"))
    a = ap.parse_args()
    {"make": stage_make, "export": stage_export}[a.stage](a.work)


if __name__ == "__main__":
    main()
