#!/usr/bin/env python3
"""Real-size record for Wan 2.1 VACE 1.3B: a random-weight ``WanVACETransformer3DModel`` at the real config is
exported to an fp16 Kino denoiser, then ``./kino generate`` loads a package around it and runs one step.

    bench/vace-real-size/run.sh        # the three stages below; WORK (default models/export/work/vace-real-size)

Stages (each its own process, so peak RSS is the stage's):
    make    the random transformer written straight to WORK/src/transformer as bf16 safetensors, one tensor at a
            time (a download stand-in that never holds the model), beside a real-width (d_model 4096) one-layer
            UMT5, the tiny VAE of make_tiny_wan.py and a small tokenizer; model_index.json names WanVACEPipeline
    export  export_wan.py --fp16 --only denoiser (timed; peak RSS of the exporter), then the rest of the package
    kino    host Python (no torch): ./kino generate on the package, 64x64, 1 frame, 1 step, guidance 5 (batch 2)
Results go to bench/vace-real-size/record.json. Needs ~9 GB of disk under WORK; the exporter stays near 1 GiB,
Kino's run needs about twice the fp16 denoiser (4.3 GB) in RAM.
"""
import argparse
import json
import os
import resource
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
EXPORT = os.path.join(ROOT, "models", "export")
sys.path.insert(0, EXPORT)
sys.path.insert(0, os.path.join(HERE, ".."))
from realsize.shared import kino_generate, package_files, save_wide_text_encoder  # noqa: E402

RESULTS = os.path.join(HERE, "record.json")


def stream_random_safetensors(module, path, seed=0):
    """Every parameter of a meta-device module as bf16 random values, written one tensor at a time."""
    import torch
    g = torch.Generator().manual_seed(seed)
    params = list(module.named_parameters())
    header, offset = {}, 0
    for name, p in params:
        n = p.numel() * 2
        header[name] = {"dtype": "BF16", "shape": list(p.shape), "data_offsets": [offset, offset + n]}
        offset += n
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head)
        for name, p in params:
            if name.endswith("bias"):
                t = torch.zeros(p.shape)
            elif "norm" in name and p.dim() == 1:
                t = torch.ones(p.shape)
            else:
                t = torch.randn(p.shape, generator=g) * 0.02
            f.write(t.to(torch.bfloat16).view(torch.int16).numpy().tobytes())
    return offset


def stage_make(work):
    import torch
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanVACETransformer3DModel
    import make_tiny_wan as tiny
    from kinoexport.wan import manifest
    from real_size import VACE_13B
    src = os.path.join(work, "src")
    t0 = time.time()
    with torch.device("meta"):
        t = WanVACETransformer3DModel(**VACE_13B)
    folder = os.path.join(src, "transformer")
    os.makedirs(folder, exist_ok=True)
    t.save_config(folder)
    size = stream_random_safetensors(t, os.path.join(folder, "diffusion_pytorch_model.safetensors"))
    made = time.time() - t0
    vocab = tiny.train_tokenizer(os.path.join(src, "tokenizer"))
    save_wide_text_encoder(src, vocab)
    AutoencoderKLWan(**tiny.VAE).save_pretrained(os.path.join(src, "vae"))
    UniPCMultistepScheduler(**manifest.WAN21_SCHEDULER_ARGS).save_pretrained(os.path.join(src, "scheduler"))
    json.dump({"_class_name": "WanVACEPipeline"}, open(os.path.join(src, "model_index.json"), "w"))
    return {"parameters": sum(p.numel() for p in t.parameters()), "safetensors_bytes": size,
            "write_seconds": round(made, 1), "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def stage_export(work):
    src, out = os.path.join(work, "src"), os.path.join(work, "pkg-fp16")
    exporter = [sys.executable, os.path.join(EXPORT, "export_wan.py"), src, out, "--fp16"]
    t0 = time.time()
    subprocess.run(exporter + ["--only", "denoiser"], check=True)
    seconds = time.time() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    subprocess.run(exporter + ["--only", "tokenizer,text_encoder,vae,vae_encoder,manifest", "--width", "64",
                               "--height", "64", "--frames", "1", "--steps", "1", "--name", "wan21-vace-1.3b-real-size"],
                   check=True)
    return {"denoiser_export_seconds": round(seconds, 1), "denoiser_export_peak_rss_mib": rss, **package_files(out)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=["make", "export", "kino"])
    ap.add_argument("--work", default=os.path.join(EXPORT, "work", "vace-real-size"))
    args = ap.parse_args()
    results = json.load(open(RESULTS)) if os.path.isfile(RESULTS) else {}
    if args.stage == "make":
        import torch
        torch.set_num_threads(2)
        results["make"] = stage_make(args.work)
    elif args.stage == "export":
        results["export"] = stage_export(args.work)
    else:
        results["kino"] = {"load_average": os.getloadavg(), **kino_generate(
            os.path.join(args.work, "pkg-fp16"), 64, 64, 1, os.path.join(args.work, "one-step.mp4"), steps=1)}
    print(json.dumps(results[args.stage], indent=1))
    with open(RESULTS, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
