#!/usr/bin/env python3
"""The real-size Wan 2.1 T2V 1.3B denoiser in each precision mode: file size, Kino load time, step time and the
JVM's peak RSS (``./kino generate`` under /usr/bin/time -v), beside fp32, on random weights at the real config.

    cd bench/wan-real-size
    ../../models/.venv/bin/python modes.py make     # random weights (diffusers), the fp32 export, the package
    QUANT=../../models/.venv/bin/python python3 modes.py modes int8 w8 w4   # host: quantize_package + ./kino

``make`` reuses real_size.py's stages (export, kinopkg); ``modes`` runs models/quantize/quantize_package.py on
the fp32 package's denoiser and ./kino generate on each package at 64x64x1 (3 steps, guidance 5: batch 2).
Writes modes.json and prints a table. Needs ~17 GB of scratch disk under WORK and ~12 GB of RAM for ./kino;
quantizing the full 30 blocks to int8 (``quantize_dynamic``) peaks at ~21 GB. ``LAYERS=8`` (environment, for
``make``) keeps the real widths (1536 wide, ffn 8960, 12 heads, text 4096) with 8 of the 30 blocks: a
weight-heavy denoiser that quantizes within ~7 GB (the memory plan's check in modes.md uses it).
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.dirname(HERE))
WORK = os.environ.get("WORK", os.path.join(ROOT, "models", "export", "work", "real-size-modes"))


def make():
    import torch
    from diffusers import WanTransformer3DModel
    sys.path.insert(0, HERE)
    import real_size
    src = os.path.join(WORK, "src")
    if not os.path.isdir(os.path.join(src, "transformer")):
        torch.manual_seed(0)
        config = dict(real_size.CONFIG_13B, num_layers=int(os.environ.get("LAYERS", real_size.CONFIG_13B["num_layers"])))
        model = WanTransformer3DModel(**config).eval()
        model.save_pretrained(os.path.join(src, "transformer"), max_shard_size="20GB")
        json.dump({"_class_name": "WanPipeline", "transformer": ["diffusers", "WanTransformer3DModel"]},
                  open(os.path.join(src, "model_index.json"), "w"))
        del model
    if not os.path.isfile(os.path.join(WORK, "pkg-fp32", "denoiser.onnx")):
        print(json.dumps(real_size.stage_export(WORK, "fp32"))[:400], flush=True)
    real_size.stage_kinopkg(WORK, "fp32")


def size(pkg, name="denoiser"):
    return sum(os.path.getsize(os.path.join(pkg, f)) for f in os.listdir(pkg) if f.startswith(name + ".onnx"))


def modes(names):
    from realsize.shared import kino_generate
    quant = os.environ.get("QUANT", "python3")
    base = os.path.join(WORK, "kino-fp32")
    out = {"cpu": open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": \t"), "modes": {}}
    for mode in ["fp32"] + list(names):
        pkg = base if mode == "fp32" else os.path.join(WORK, "kino-" + mode)
        entry = {}
        if mode != "fp32" and not os.path.isdir(pkg):
            t = time.time()
            subprocess.run([quant, os.path.join(ROOT, "models", "quantize", "quantize_package.py"), base, pkg,
                            "--mode", mode, "--graphs", "denoiser"], check=True)
            entry["quantize_s"] = round(time.time() - t, 1)
        entry["denoiser_bytes"] = size(os.path.realpath(pkg))
        entry.update(kino_generate(pkg, 64, 64, 1, os.path.join(WORK, f"kino-{mode}.mp4")))
        entry.pop("stdout", None)
        entry["load_average"] = open("/proc/loadavg").read().split()[0]
        out["modes"][mode] = entry
        print(mode, json.dumps(entry), flush=True)
    json.dump(out, open(os.path.join(HERE, "modes.json"), "w"), indent=2)


if __name__ == "__main__":
    os.makedirs(WORK, exist_ok=True)
    {"make": lambda: make(), "modes": lambda: modes(sys.argv[2:])}[sys.argv[1]]()
