#!/usr/bin/env python3
"""The measured real-size record for HunyuanVideo 1.5: random weights at the real config, exported, converted to
a low precision without a whole-graph load, and run by Kino at a small size. ``run.sh`` drives the stages:

    make      WORK/src: the real configs (diffusers' defaults for the transformer; a real-width ONE-layer Qwen2.5
              stand-in; the real ByT5-small encoder) and, per folder, ``random_shapes.json`` (every tensor's shape)
    export    (PyTorch 2.x + diffusers) export_hunyuan.py's own export functions, with its weight source replaced
              by :class:`RandomSource`: each tensor is generated (seeded by its name) when the exporter asks for it,
              so no 16.6 GB bf16 folder sits beside the 33.3 GB fp32 denoiser. Writes WORK/fp32/ + export.json
    kinopkg   (ONNX Runtime Python) WORK/fp32 gets the manifest and the committed tiny-hunyuan fixture's tokenizers
              and VAE; WORK/w4 is quantize_package.py --mode w4 on it (streamed: the fp32 denoiser is over half the
              RAM), run in this process so its time and peak are the conversion's; ``--punch-holes`` frees the fp32
              file's bytes as they are read (a disk that cannot hold both)
    gemm      WORK/w4-gemm: the w4 denoiser's Gemm (modulation) layers converted too, a second streamed pass (what
              ``--mode w4 --gemm`` makes in one), and WORK/w4-gemm-textQ-B with shortened text lengths
    kino      ``./kino info`` (optional: it opens every session) and ``./kino generate`` (guidance on: batch 2)
              under /usr/bin/time -v, with the load average before and after; appended to WORK/kino.json

Every stage runs in its own process; figures go to WORK/*.json, are copied into results.md by hand (dated) and
kept together in record.json beside this file.
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


def stage_kinopkg(work, mode, text_lengths, punch):
    """WORK/fp32 gets the manifest and the tiny fixture's tokenizers and VAE; WORK/MODE is quantize_package.py's
    output (streamed: the fp32 denoiser is over half the RAM); WORK/MODE-textN is the same files hard-linked with
    shorter text lengths in the manifest (a second record, named as such)."""
    import shutil
    sys.path.insert(0, os.path.join(ROOT, "models"))
    import kino_manifest
    fp32 = os.path.join(work, "fp32")
    for f in ("tokenizer.json", "tokenizer_2.json", "vae_decoder.onnx", "vae_decoder.onnx_data"):
        shutil.copy(os.path.join(TINY, f), fp32)
    m = json.load(open(os.path.join(TINY, "kino.json")))
    m["name"] = "hunyuan15-480p-t2v-random"
    m["description"] = ("HunyuanVideo 1.5 text-to-video, RANDOM weights at the real config (bench/hunyuan-real-size): "
                        "real-size denoiser, real-width one-layer Qwen2.5 stand-in, real-size ByT5-small encoder, "
                        "tiny test VAE and tokenizers")
    kino_manifest.write(m, os.path.join(fp32, "kino.json"))
    out = os.path.join(work, mode)
    rec = convert(fp32, out, mode, punch)
    rec["files"] = {n: os.path.getsize(os.path.join(out, n)) for n in sorted(os.listdir(out))}
    json.dump(rec, open(os.path.join(work, f"quantize-{mode}.json"), "w"), indent=1)
    for n in text_lengths:
        short_text_package(work, mode, n)


def short_text_package(work, package, lengths):
    """WORK/PACKAGE-textQ-B: PACKAGE's files hard-linked, the manifest's Qwen and ByT5 max lengths set to (Q, B)."""
    sys.path.insert(0, os.path.join(ROOT, "models"))
    import kino_manifest
    out = os.path.join(work, package)
    short = os.path.join(work, f"{package}-text{lengths[0]}-{lengths[1]}")
    os.makedirs(short, exist_ok=True)
    for f in os.listdir(out):
        if f != "kino.json" and not os.path.exists(os.path.join(short, f)):
            os.link(os.path.join(out, f), os.path.join(short, f))
    m = json.load(open(os.path.join(out, "kino.json")))
    m["text_encoder"]["max_length"], m["extra_text_encoders"][0]["max_length"] = lengths
    m["name"] += f"-text{lengths[0]}-{lengths[1]}"
    kino_manifest.write(m, os.path.join(short, "kino.json"))


def convert(fp32, out, mode, punch_holes):
    """quantize_package.py's main, in this process (its peak RSS is this process's): the streamed conversion is
    timed and its peak taken before the one-call check loads the converted graph. ``punch_holes``: each fp32 weight's
    bytes are freed once read (the shared disk could not hold the 33 GB fp32 file and the w4 one at once; the fp32
    denoiser is scratch: it is unusable afterwards and deleted)."""
    import functools
    from realsize.shared import peak_mib
    sys.path.insert(0, os.path.join(ROOT, "models", "quantize"))
    import quantize_package as qp
    import streamed
    rec = {}
    convert_file, check_runs = streamed.convert_file, qp.check_runs
    t0 = time.time()

    def timed_check(src, dst, alone=False):
        rec.update(convert_s=round(time.time() - t0, 1), convert_peak_rss_mib=peak_mib())
        c0 = time.time()
        result = check_runs(src, dst, alone)
        rec.update(check_s=round(time.time() - c0, 1), check_peak_rss_mib=peak_mib())
        return result

    streamed.convert_file = functools.partial(convert_file, on_read=punch_hole) if punch_holes else convert_file
    qp.check_runs = timed_check
    sys.argv = ["quantize_package.py", fp32, out, "--mode", mode]
    qp.main()
    rec["total_s"] = round(time.time() - t0, 1)
    if punch_holes:
        os.remove(os.path.join(fp32, "denoiser.onnx_data"))
    print(rec, flush=True)
    return rec


def punch_hole(path, offset, length):
    """Frees a byte range of a file (fallocate PUNCH_HOLE | KEEP_SIZE): the file keeps its size, reads give zeros."""
    import ctypes
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
    fd = os.open(path, os.O_WRONLY)
    try:
        if libc.fallocate(fd, 0x02 | 0x01, offset, length) != 0:
            raise OSError(ctypes.get_errno(), f"fallocate punch hole on {path}")
    finally:
        os.close(fd)


def stage_gemm_pass(work, src_pkg, out_pkg):
    """The Gemm layers of an already converted w4 package (``streamed.convert_file(gemm=True)`` on its denoiser:
    MatMulNBits and every other tensor copied unchanged): what ``quantize_package.py --mode w4 --gemm`` makes in one
    pass (the same tensors and nodes; checked on the tiny package), for when the fp32 file is gone."""
    sys.path.insert(0, os.path.join(ROOT, "models"))
    sys.path.insert(0, os.path.join(ROOT, "models", "quantize"))
    import kino_manifest
    import streamed
    from realsize.shared import peak_mib
    src, out = os.path.join(work, src_pkg), os.path.join(work, out_pkg)
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    info = streamed.convert_file(os.path.join(src, "denoiser.onnx"), os.path.join(out, "denoiser.onnx"), "w4",
                                 gemm=True)
    rec = {"convert_s": round(time.time() - t0, 1), "convert_peak_rss_mib": peak_mib(),
           "quantizable": info["quantizable"], "kept_fp32": info["kept_fp32"]}
    for f in os.listdir(src):
        if not f.startswith("denoiser.onnx") and f != "kino.json" and not os.path.exists(os.path.join(out, f)):
            os.link(os.path.join(src, f), os.path.join(out, f))
    m = json.load(open(os.path.join(work, "fp32", "kino.json")))
    m["name"] += "-w4"
    m["denoiser"]["weights"] = "int4-weight-only"
    m["denoiser"]["quantization"] = {
        "mode": "w4", "method": "onnxruntime MatMulNBits, 4-bit symmetric weight blocks, fp32 compute; "
                                "Gemm layers too (as MatMul + Add)",
        "tool": "models/quantize/quantize_package.py", "block_size": 32, "kept_fp32": info["kept_fp32"]}
    kino_manifest.write(m, os.path.join(out, "kino.json"))
    rec["files"] = {n: os.path.getsize(os.path.join(out, n)) for n in sorted(os.listdir(out))}
    json.dump(rec, open(os.path.join(work, f"quantize-{out_pkg}.json"), "w"), indent=1)
    print(rec, flush=True)


def stage_kino(work, package, width, height, frames, steps, label, info=True):
    """``./kino info`` and one ``./kino generate`` (guidance on: batch 2) under /usr/bin/time -v, with the load
    average before and after; appended to WORK/kino.json."""
    import subprocess
    from realsize.shared import kino_generate
    pkg = os.path.join(work, package)
    # kino info opens every session for the signatures (the package's whole size in memory, minutes): optional
    info = subprocess.run([os.path.join(ROOT, "kino"), "info", "--model", pkg], capture_output=True, text=True) \
        if info else subprocess.CompletedProcess([], 0, "", "")
    print(info.stdout, info.stderr[-800:], flush=True)
    before = open("/proc/loadavg").read().split()[:3]
    t0 = time.time()
    r = kino_generate(pkg, width, height, frames, os.path.join(work, f"{label}.mp4"), steps=steps)
    r.update(label=label, package=package, size=f"{width}x{height}x{frames}", steps=steps,
             wall_s=round(time.time() - t0, 1), loadavg_before=before,
             loadavg_after=open("/proc/loadavg").read().split()[:3], info=info.stdout.strip())
    path = os.path.join(work, "kino.json")
    runs = json.load(open(path)) if os.path.exists(path) else []
    json.dump(runs + [r], open(path, "w"), indent=1)
    print(json.dumps({k: v for k, v in r.items() if k not in ("stdout", "info")}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=["make", "export", "kinopkg", "gemm", "kino"])
    ap.add_argument("--work", default=os.path.join(ROOT, "models", "export", "work", "hunyuan-real"))
    ap.add_argument("--mode", default="w4", help="kinopkg: the precision mode (quantize_package.py)")
    ap.add_argument("--text-lengths", default="256:32", help="kinopkg: Qwen:ByT5 max lengths of the extra "
                    "package(s) with shorter text, comma-separated (the real ones are 1000:256)")
    ap.add_argument("--punch-holes", action="store_true", help="kinopkg: free each fp32 weight's bytes once read "
                    "(scratch fp32 denoiser, deleted after; for a disk that cannot hold fp32 and w4 at once)")
    ap.add_argument("--package", default="w4", help="kino: the package folder under WORK")
    ap.add_argument("--size", default="64x64x5", help="kino: WIDTHxHEIGHTxFRAMES")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--no-info", action="store_true", help="kino: skip ./kino info")
    a = ap.parse_args()
    lengths = [tuple(int(x) for x in t.split(":")) for t in a.text_lengths.split(",") if t]
    if a.stage == "kinopkg":
        stage_kinopkg(a.work, a.mode, lengths, a.punch_holes)
    elif a.stage == "gemm":
        stage_gemm_pass(a.work, "w4", "w4-gemm")
        for n in lengths:
            short_text_package(a.work, "w4-gemm", n)
    elif a.stage == "kino":
        w, h, f = (int(x) for x in a.size.split("x"))
        stage_kino(a.work, a.package, w, h, f, a.steps, f"{a.package}-{a.size}-{a.steps}steps", not a.no_info)
    else:
        {"make": stage_make, "export": stage_export}[a.stage](a.work)


if __name__ == "__main__":
    main()
