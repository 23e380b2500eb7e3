#!/usr/bin/env python3
"""A denoiser's ONNX Runtime session alone: its resident memory after creation and after each run, and the order
ONNX Runtime runs its cross-attention projections in (why an int8 denoiser holds every block's text keys at
once: docs/precision.md, "An int8 denoiser's text keys").

    QUANT=../../models/.venv/bin/python   # any Python with onnxruntime and numpy
    $QUANT session_memory.py rss PKG/denoiser.onnx [--no-prepack] [--no-pattern] [--no-arena] [--batch 2]
        [--text 512] [--runs 3] [--latent F H W]
    $QUANT session_memory.py order PKG/denoiser.onnx

``rss`` prints VmHWM, VmRSS, RssAnon and RssFile (MiB, /proc/self/status) at start, after the session is created
and after each run on zeros at 64x64x1 unless --latent says (the Wan denoiser's inputs: latents [B, 16, 1, 8, 8], timestep [B], text
[B, T, 4096]). ``order`` runs once with ONNX Runtime's profiler and prints where each block's ``attn2/to_k`` and
``attn2/to_v`` runs among the graph's nodes. Two threads (this machine's cores); pre-packing is turned off for
``order`` so a 5 GB fp32 graph stays memory-mapped.
"""
import argparse
import json
import os
import re

import numpy as np
import onnxruntime as ort


def mem(tag):
    d = {}
    with open("/proc/self/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                d[key] = int(line.split()[1]) // 1024
    print(tag, " ".join(f"{k} {v}" for k, v in d.items()), flush=True)


def feeds(batch, text, latent=(1, 8, 8)):
    return {"hidden_states": np.zeros([batch, 16, *latent], np.float32),
            "timestep": np.zeros([batch], np.float32),
            "encoder_hidden_states": np.zeros([batch, text, 4096], np.float32)}


def options(a, prepack=True):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    if not prepack:
        so.add_session_config_entry("session.disable_prepacking", "1")
    if getattr(a, "no_pattern", False):
        so.enable_mem_pattern = False
    if getattr(a, "no_arena", False):
        so.enable_cpu_mem_arena = False
    return so


def rss(a):
    mem("start")
    s = ort.InferenceSession(a.graph, options(a, not a.no_prepack), providers=["CPUExecutionProvider"])
    mem("created")
    for r in range(a.runs):
        s.run(None, feeds(a.batch, a.text, tuple(a.latent)))
        mem(f"run{r + 1}")


def order(a):
    so = options(a, prepack=False)
    so.enable_profiling = True
    so.profile_file_prefix = os.path.join(os.environ.get("TMPDIR", "/tmp"), "session_memory")
    s = ort.InferenceSession(a.graph, so, providers=["CPUExecutionProvider"])
    s.run(None, feeds(2, 512))
    path = s.end_profiling()
    with open(path) as f:
        nodes = sorted((e for e in json.load(f) if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")),
                       key=lambda e: e["ts"])
    os.remove(path)
    at = {}
    for i, e in enumerate(nodes):
        m = re.search(r"blocks\.(\d+)/attn2/(to_k|to_v)/", e["name"])
        if m and e["args"].get("op_name", "").startswith(("MatMul", "DynamicQuantizeMatMul")):
            at.setdefault(m.group(2), {})[int(m.group(1))] = i
    print(f"{len(nodes)} nodes run")
    for proj, blocks in sorted(at.items()):
        print(proj, "runs as node", ", ".join(f"{b}:{blocks[b]}" for b in sorted(blocks)), "(block:node)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=["rss", "order"])
    p.add_argument("graph")
    p.add_argument("--no-prepack", action="store_true")
    p.add_argument("--no-pattern", action="store_true")
    p.add_argument("--no-arena", action="store_true")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--text", type=int, default=512)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--latent", type=int, nargs=3, default=[1, 8, 8], metavar=("F", "H", "W"),
                   help="latent frames, height, width (default 1 8 8: 64x64x1)")
    a = p.parse_args()
    (rss if a.what == "rss" else order)(a)


if __name__ == "__main__":
    main()
