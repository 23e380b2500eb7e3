#!/usr/bin/env python3
"""Writes a Kino package in another precision mode from an fp32 package.

    python models/quantize/quantize_package.py SRC DST --mode fast|int8|w8|w4|fp16|bf16 \
        [--graphs denoiser[,text_encoder]] [--block-size 32] [--keep-all-quantizable] [--streamed]

DST is a new folder: the tokenizer and the graphs not named by ``--graphs`` are copied unchanged, each named
graph (every expert, for a denoiser with experts) is converted (precision_modes.py), its inputs and outputs
stay float32, and the manifest says what each graph holds: ``weights`` (fp32, int8, int8-weight-only,
int4-weight-only, fp16, bf16) and a ``quantization`` object (method, block size, which layers stayed fp32),
written by models/kino_manifest.py. ``kino info --model DST`` shows it. Each converted graph is loaded and
run once by this ONNX Runtime on the fp32 graph's inputs and the largest relative difference printed, so a
graph that will not load is caught here (the engine's ONNX Runtime, 1.29, is checked by its tests).

w8/w4 of a graph whose weights are over half this machine's memory (or any graph with ``--streamed``) are
converted one weight at a time (streamed.py: the same values, without loading the whole graph); its check
then runs the converted graph alone when the fp32 one would not fit beside it.
"""
import argparse
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import kino_manifest  # noqa: E402
import precision_modes as pm  # noqa: E402
import streamed  # noqa: E402

SECTIONS = {"denoiser": "denoiser", "text_encoder": "text_encoder", "vae": "vae"}


def graph_files(m, section):
    """The ONNX files of one manifest section (a denoiser's experts, a causal VAE's two graphs)."""
    s = m[section]
    if section == "denoiser":
        return [e["file"] for e in s.get("experts") or [{"file": s["file"]}]]
    return [s["file"]] + ([s["next_file"]] if s.get("next_file") else [])


def copy_package(src, dst, converted):
    """Copies SRC to DST except the graphs about to be converted (written into DST by the conversion)."""
    if os.path.exists(dst):
        sys.exit(f"{dst} exists; give a new folder (nothing was written)")
    skip = set(converted) | {f + "_data" for f in converted}
    shutil.copytree(src, dst, ignore=lambda d, names: [n for n in names if os.path.samefile(d, src) and n in skip],
                    copy_function=link_or_copy)


def link_or_copy(src, dst):
    """Weight files (``.onnx_data``, gigabytes at real size) are hard-linked when both folders are on one file
    system: no tool here rewrites one in place (a converted graph's is written as a new file). The rest is copied."""
    if src.endswith(".onnx_data"):
        try:
            os.link(src, dst)
            return dst
        except OSError:
            pass
    return shutil.copy2(src, dst)


def half_the_memory():
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2


def use_streamed(path, mode, forced):
    if forced and mode not in ("w8", "w4"):
        sys.exit(f"--streamed converts w8 and w4 only, not {mode} (nothing was written)")
    return mode in ("w8", "w4") and (forced or streamed.external_bytes(path) > half_the_memory())


def quantize_file(src, path, mode, block_size, keep_all, stream=False, gemm=False):
    if stream:
        return streamed.convert_file(src, path, mode, block_size, keep_all, gemm=gemm)
    model = pm.fold_weight_transposes(pm.load(src))
    if gemm:
        model = pm.gemm_as_matmul(model)
    names = pm.weight_nodes(model, ("MatMul",))
    exclude = [] if keep_all else pm.kept(names)
    if mode == "bf16":   # every weight, not only MatMuls: the kept layers are all nodes matching KEEP
        exclude = [] if keep_all else pm.kept([n.name for n in model.graph.node])
    out = pm.convert(model, mode, exclude, block_size=block_size)
    pm.save(out, path)
    return {"quantizable": len(names), "kept_fp32": sorted(set(exclude) & set(names))}


def check_runs(fp32_path, path, alone=False):
    """Loads both graphs in this ONNX Runtime, runs them on the same random inputs, returns max |diff| / max |ref|.
    ``alone``: only the converted graph is loaded and run (the fp32 one would not fit); returns None, or fails
    when its output is not finite."""
    import numpy as np
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.log_severity_level = 3
    got = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    ref = got if alone else ort.InferenceSession(fp32_path, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feed = {}
    for i in ref.get_inputs():
        # dynamic axes: batch 2 (cond and uncond), 4 elsewhere (a patch embedding needs more than one position)
        shape = [d if isinstance(d, int) else (2 if k == 0 else 4) for k, d in enumerate(i.shape)]
        if i.type == "tensor(int64)":
            feed[i.name] = np.ones(shape, np.int64)
        else:
            feed[i.name] = (rng.standard_normal(shape) * (500 if "time" in i.name else 1)).astype(np.float32)
    b = got.run(None, feed)[0]
    if alone:
        if not np.isfinite(b).all():
            raise SystemExit(f"{path}: the converted graph's output is not finite")
        return None
    a = ref.run(None, feed)[0]
    return float(np.abs(a - b).max() / max(np.abs(a).max(), 1e-12))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--mode", required=True, choices=pm.MODES + ("fast",),
                    help=f"fast: the default fast mode, {pm.FAST} (docs/precision.md)")
    ap.add_argument("--graphs", default="denoiser", help="comma-separated: denoiser, text_encoder, vae")
    ap.add_argument("--block-size", type=int, default=32, help="w8/w4: weights per scale along K (README: measured)")
    ap.add_argument("--keep-all-quantizable", action="store_true",
                    help="quantize the embeddings and output head too (for measuring what that costs)")
    ap.add_argument("--gemm", action="store_true",
                    help="also the Linear layers exported as Gemm (HunyuanVideo 1.5's modulation: a third of its "
                         "weights), rewritten as MatMul + Add first; off by default (quality measured on the tiny "
                         "package only, models/quantize/README.md)")
    ap.add_argument("--streamed", action="store_true",
                    help="w8/w4: convert one weight at a time (automatic when a graph's weights are over half "
                         "this machine's memory; streamed.py)")
    a = ap.parse_args()
    a.mode = pm.FAST if a.mode == "fast" else a.mode
    with open(os.path.join(a.src, "kino.json")) as f:
        m = json.load(f)
    if any(m[s].get("weights", "fp32") != "fp32" for s in ("denoiser", "text_encoder", "vae")):
        sys.exit(f"{a.src} is not an fp32 package; quantize from the fp32 export (nothing was written)")
    sections = [s.strip() for s in a.graphs.split(",") if s.strip()]
    for s in sections:
        if s not in SECTIONS:
            sys.exit(f"--graphs {s}: not one of {', '.join(SECTIONS)}")
    files = [f for s in sections for f in graph_files(m, s)]
    copy_package(a.src, a.dst, files)
    try:
        for s in sections:
            info = None
            for f in graph_files(m, s):
                t0 = time.time()
                src, dst = os.path.join(a.src, f), os.path.join(a.dst, f)
                stream = use_streamed(src, a.mode, a.streamed)
                info = quantize_file(src, dst, a.mode, a.block_size, a.keep_all_quantizable, stream, a.gemm)
                converted = time.time() - t0
                alone = stream and streamed.external_bytes(src) > half_the_memory()
                err = check_runs(src, dst, alone)
                check = "ran alone (fp32 too big to load beside it), finite" if alone else f"max rel diff {err:.2e}"
                print(f"{f}: {a.mode}{' (streamed)' if stream else ''}, {info['quantizable'] - len(info['kept_fp32'])}"
                      f" of {info['quantizable']} MatMuls converted, {len(info['kept_fp32'])} kept fp32 in "
                      f"{converted:.0f} s; one call on random inputs: {check} ({time.time() - t0:.0f} s)", flush=True)
            m[s]["weights"] = pm.WEIGHTS[a.mode]
            m[s]["quantization"] = quantization_entry(a, info)
        m["name"] = f"{m['name']}-{a.mode}"
        kino_manifest.write(m, os.path.join(a.dst, "kino.json"))
    except BaseException:
        shutil.rmtree(a.dst, ignore_errors=True)   # nothing half-written is left behind
        raise
    print(f"wrote {a.dst} ({a.mode}: {', '.join(sections)})")


def quantization_entry(a, info):
    method = {"int8": "onnxruntime quantize_dynamic: MatMulInteger, int8 weights per output channel, "
                      "activations quantized per call",
              "w8": "onnxruntime MatMulNBits, 8-bit symmetric weight blocks, fp32 compute",
              "w4": "onnxruntime MatMulNBits, 4-bit symmetric weight blocks, fp32 compute",
              "fp16": "fp16 weights and arithmetic, fp32 at the graph's edges and around ops without a CPU fp16 kernel",
              "bf16": "bf16 weights cast to fp32 where used (storage only on the CPU)"}[a.mode]
    q = {"mode": a.mode, "method": method, "tool": "models/quantize/quantize_package.py"}
    if a.mode in ("w8", "w4"):
        q["block_size"] = a.block_size
    if a.gemm:
        q["method"] += "; Gemm layers too (as MatMul + Add)"
    q["kept_fp32"] = info["kept_fp32"]
    return q


if __name__ == "__main__":
    main()
