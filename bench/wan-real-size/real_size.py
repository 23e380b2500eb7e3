#!/usr/bin/env python3
"""Real-size record for Wan 2.1 T2V 1.3B: a random-weight ``WanTransformer3DModel`` with the real config
(30 layers, dim 1536, 12 heads, ffn 8960, text_dim 4096) is saved as a diffusers folder, exported to a Kino
denoiser (fp32 and fp16, external data) with models/export/export_wan.py, loaded and stepped on the CPU.

    bench/wan-real-size/run.sh            # = models/.venv/bin/python bench/wan-real-size/real_size.py all --work DIR

Every stage runs in its own process so its peak resident memory (ru_maxrss) is its own:

    make      random model -> WORK/src (safetensors), reference outputs at the two latent sizes -> WORK/ref
    export    export_wan.py --only denoiser [--fp16] -> WORK/pkg-fp32, WORK/pkg-fp16 (its export_report.json)
    run       ONNX Runtime: session load time, time per denoiser call (batch 2 = cond + uncond, 512 text
              tokens) at the two latent sizes, error against the PyTorch reference, peak RSS
    sizes     parameter counts of 1.3B, 14B, UMT5-XXL and the VAE decoder on the meta device -> computed sizes
    kinopkg   a complete Kino package around each exported denoiser (WORK/kino-fp32, -fp16): the real-size
              denoiser + a real-width (d_model 4096) 1-layer UMT5, a tiny VAE and a small tokenizer
    kino      host Python (no torch): ``./kino generate`` on those packages at the two sizes, 3 steps each,
              under /usr/bin/time: Kino's load time, time per step, peak RSS (merged into results.json)

Results go to bench/wan-real-size/results.json (results.md is written from it).
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
EXPORT = os.path.join(ROOT, "models", "export")
sys.path.insert(0, EXPORT)
sys.path.insert(0, os.path.dirname(HERE))
from realsize.shared import (kino_generate, link_denoiser, machine, ort_session, package_files,  # noqa: E402
                             nbytes, peak_mib, save_wide_text_encoder, xxl_encoder_size)

CONFIG_13B = dict(patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16,
                  out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30, cross_attn_norm=True,
                  qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=1024)
CONFIG_14B = dict(CONFIG_13B, num_attention_heads=40, ffn_dim=13824, num_layers=40)
# latent [batch, 16, frames, height, width]: 64x64 px 1 frame, and 128x128 px 9 frames (3 latent frames)
SIZES = {"small": (2, 16, 1, 8, 8), "medium": (2, 16, 3, 16, 16)}
TEXT_LEN = 512


def inputs(size):
    import torch
    g = torch.Generator().manual_seed(7)
    b = size[0]
    return (torch.randn(*size, generator=g), torch.full((b,), 757.0),
            torch.randn(b, TEXT_LEN, 4096, generator=g))


def stage_make(work):
    import numpy as np
    import torch
    from diffusers import WanTransformer3DModel
    t0 = time.time()
    torch.manual_seed(0)
    model = WanTransformer3DModel(**CONFIG_13B).eval()
    t1 = time.time()
    src = os.path.join(work, "src")
    model.save_pretrained(os.path.join(src, "transformer"), max_shard_size="20GB")
    json.dump({"_class_name": "WanPipeline", "transformer": ["diffusers", "WanTransformer3DModel"]},
              open(os.path.join(src, "model_index.json"), "w"))
    t2 = time.time()
    os.makedirs(os.path.join(work, "ref"), exist_ok=True)
    with torch.no_grad():
        for name, size in SIZES.items():
            out = model(*inputs(size), return_dict=False)[0]
            np.save(os.path.join(work, "ref", f"{name}.npy"), out.numpy())
    params = sum(p.numel() for p in model.parameters())
    return {"parameters": params, "init_s": round(t1 - t0, 1), "save_s": round(t2 - t1, 1),
            "reference_s": round(time.time() - t2, 1), "peak_rss_mib": peak_mib(),
            "safetensors_bytes": sum(os.path.getsize(os.path.join(src, "transformer", f))
                                     for f in os.listdir(os.path.join(src, "transformer")))}


def stage_export(work, precision):
    out = os.path.join(work, f"pkg-{precision}")
    cmd = [sys.executable, os.path.join(EXPORT, "export_wan.py"), os.path.join(work, "src"), out,
           "--only", "denoiser"] + (["--fp16"] if precision == "fp16" else [])
    t0 = time.time()
    subprocess.run(cmd, check=True)
    report = json.load(open(os.path.join(out, "export_report.json")))
    return {"wall_s": round(time.time() - t0, 1), "export_s": report["seconds"],
            "peak_rss_mib": report["peak_rss_mib"], "files": report["files"], "checks": report["checks"]}


def stage_run(work, precision, repeats=3):
    import numpy as np
    import onnxruntime as ort
    sess, load_s = ort_session(os.path.join(work, f"pkg-{precision}", "denoiser.onnx"))
    res = {"onnxruntime": ort.__version__, "load_s": round(load_s, 1), "rss_after_load_mib": peak_mib(), "steps": {}}
    for name, size in SIZES.items():
        hs, ts, ctx = (x.numpy() for x in inputs(size))
        feed = {"hidden_states": hs, "timestep": ts, "encoder_hidden_states": ctx}
        times = []
        for _ in range(repeats + 1):
            t = time.time()
            out = sess.run(None, feed)[0]
            times.append(time.time() - t)
        ref = np.load(os.path.join(work, "ref", f"{name}.npy"))
        err = float(np.abs(out.astype(np.float64) - ref).max() / np.abs(ref).max())
        res["steps"][name] = {"latent": list(size), "tokens_per_sample": size[2] * size[3] * size[4] // 4,
                              "first_call_s": round(times[0], 2), "median_s": round(float(np.median(times[1:])), 2),
                              "rel_err_vs_torch_fp32": err}
    res["peak_rss_mib"] = peak_mib()
    return res


KINO_SIZES = {"small": (64, 64, 1), "medium": (128, 128, 9)}     # width, height, frames (= SIZES' latents)


def stage_kinopkg(work, precision):
    """A full package around the real-size denoiser, so ``kino generate`` can load and step it."""
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler
    import make_tiny_wan as tiny
    from kinoexport.wan import manifest
    src = os.path.join(work, "src-kino")
    if not os.path.isfile(os.path.join(src, "model_index.json")):
        os.makedirs(src, exist_ok=True)
        vocab = tiny.train_tokenizer(os.path.join(src, "tokenizer"))
        save_wide_text_encoder(src, vocab)
        AutoencoderKLWan(**tiny.VAE).save_pretrained(os.path.join(src, "vae"))
        UniPCMultistepScheduler(**manifest.WAN21_SCHEDULER_ARGS).save_pretrained(os.path.join(src, "scheduler"))
        os.symlink(os.path.join("..", "src", "transformer"), os.path.join(src, "transformer"))
        json.dump({"_class_name": "WanPipeline"}, open(os.path.join(src, "model_index.json"), "w"))
    out = os.path.join(work, f"kino-{precision}")
    link_denoiser(work, precision, out)   # first: the manifest writer checks that every graph it names is there
    w, h, f = KINO_SIZES["small"]
    subprocess.run([sys.executable, os.path.join(EXPORT, "export_wan.py"), src, out, "--only",
                    "tokenizer,text_encoder,vae,manifest", "--width", str(w), "--height", str(h), "--frames", str(f),
                    "--steps", "3", "--name", f"wan21-1.3b-real-size-{precision}"]
                   + (["--fp16"] if precision == "fp16" else []), check=True)
    return package_files(out)


def stage_kino_host(work, results_path):
    """Runs on the host (Java): ./kino generate under /usr/bin/time; merges into results.json."""
    results = json.load(open(results_path))
    for precision in ("fp32", "fp16"):
        entry = {}
        for name, (w, h, f) in KINO_SIZES.items():
            entry[name] = {"latent": [2, 16, (f - 1) // 4 + 1, h // 8, w // 8],
                           **kino_generate(os.path.join(work, f"kino-{precision}"), w, h, f,
                                           os.path.join(work, f"kino-{precision}-{name}.mp4"))}
        results[f"kino_{precision}"] = entry
    with open(results_path, "w") as fh:
        json.dump(results, fh, indent=2)
    write_markdown(results, os.path.join(os.path.dirname(results_path), "results.md"))
    return {k: v for k, v in results.items() if k.startswith("kino_")}


def stage_sizes():
    """Exact parameter counts (meta device) and the bytes an export writes for them."""
    import torch
    from diffusers import AutoencoderKLWan, WanTransformer3DModel
    from kinoexport.wan.denoiser import to_export_dtype_
    out = {}
    for name, cfg in (("transformer_1.3B", CONFIG_13B), ("transformer_14B", CONFIG_14B)):
        with torch.device("meta"):
            t = WanTransformer3DModel(**cfg)
            n = sum(p.numel() for p in t.parameters())
            fp32 = nbytes(t)
            fp16 = nbytes(to_export_dtype_(t, torch.float16))
        out[name] = {"parameters": n, "fp32_bytes": fp32, "fp16_bytes": fp16}
    out["umt5_xxl_encoder"] = xxl_encoder_size(256384)
    with torch.device("meta"):
        vae = AutoencoderKLWan()
        dec = sum(p.numel() for m in (vae.decoder, vae.post_quant_conv) for p in m.parameters())
        out["vae_decoder"] = {"parameters": dec, "fp32_bytes": dec * 4}
    return out


def write_markdown(r, path):
    gb = lambda b: f"{b / 1e9:.2f} GB"  # noqa: E731
    m, lines = r["machine"], []
    lines += ["# Wan 2.1 T2V 1.3B at real size: export, load, steps (CPU)", "",
              f"Produced by `bench/wan-real-size/run.sh` on {r['date']}: {m['cpus']} CPUs, {m['ram_gib']} GiB RAM, "
              f"{m['platform']}, torch {m['torch']}, onnxruntime {m['onnxruntime']}. The machine was shared with "
              "other jobs (a training run, Maven builds), so times are indicative. Everything here is measured "
              "except the `sizes` table, which is computed from exact parameter counts.", "",
              f"Model: random-weight diffusers `WanTransformer3DModel`, real 1.3B config "
              f"({r['make']['parameters']:,} parameters), saved as safetensors "
              f"({gb(r['make']['safetensors_bytes'])}): init {r['make']['init_s']} s, save {r['make']['save_s']} s, "
              f"PyTorch reference outputs {r['make']['reference_s']} s (Debian's generic BLAS), peak RSS "
              f"{r['make']['peak_rss_mib']:,} MiB. This `make` stage stands in for the download: it is the only one "
              "that holds the model in PyTorch; the exporter never does.", "",
              "## Export (`export_wan.py --only denoiser`)", "",
              "| precision | export time | peak RSS | denoiser.onnx | denoiser.onnx_data | rewrite check (block 0, real weights) |",
              "|---|---|---|---|---|---|"]
    for p in ("fp32", "fp16"):
        e = r[f"export_{p}"]
        check = max(next(iter(e["checks"].values())).values())
        lines.append(f"| {p} | {e['export_s']} s | {e['peak_rss_mib']:,} MiB | {e['files']['denoiser.onnx']:,} B | "
                     f"{e['files']['denoiser.onnx_data']:,} B ({gb(e['files']['denoiser.onnx_data'])}) | "
                     f"max rel err {check:.1e} |")
    lines += ["", "## Load and denoiser calls (ONNX Runtime CPU, Python; batch 2 = cond + uncond, 512 text tokens)", "",
              "| precision | session load | RSS after load | latent | tokens/sample | first call | median of 3 | "
              "rel err vs PyTorch fp32 | peak RSS |", "|---|---|---|---|---|---|---|---|---|"]
    for p in ("fp32", "fp16"):
        x = r[f"run_{p}"]
        for name, st in x["steps"].items():
            lines.append(f"| {p} | {x['load_s']} s | {x['rss_after_load_mib']:,} MiB | {'x'.join(map(str, st['latent']))} "
                         f"| {st['tokens_per_sample']} | {st['first_call_s']} s | {st['median_s']} s | "
                         f"{st['rel_err_vs_torch_fp32']:.1e} | {x['peak_rss_mib']:,} MiB |")
    if any(f"kino_{p}" in r for p in ("fp32", "fp16")):
        lines += ["", "## Kino (Java engine: `./kino generate … --steps 3 --device cpu`, ONNX Runtime Java 1.24.1)", "",
                  "The package: the real-size denoiser above + a real-width (d_model 4096) one-layer UMT5, a tiny VAE "
                  "and a small tokenizer (`kinopkg` stage), so the figures are the denoiser's (guidance 5: batch 2 "
                  "per step, 512 text tokens; the per-step mean includes the first, warm-up step). Peak RSS of "
                  "the whole JVM (`/usr/bin/time -v`).", "",
                  "| precision | video (latent) | rc | loaded in | denoise (3 steps) | per step | peak RSS |",
                  "|---|---|---|---|---|---|---|"]
        for p in ("fp32", "fp16"):
            for name, k in r.get(f"kino_{p}", {}).items():
                w, h, f = KINO_SIZES[name]
                lines.append(f"| {p} | {w}x{h}x{f} ({'x'.join(map(str, k['latent']))}) | {k['rc']} | {k['loaded_in']} | "
                             f"{k['denoise']} | {k['per_step']} | {k['peak_rss_mib']:,} MiB |"
                             if k["peak_rss_mib"] else f"| {p} | {w}x{h}x{f} | {k['rc']} | | | | |")
    else:
        lines += ["", "Kino's own numbers: run the host stage (`run.sh` does: `python3 real_size.py kino`)."]
    lines += ["", "## Sizes of the real models (computed: exact parameter counts x bytes per weight)", "",
              "| model | parameters | fp32 | fp16 export |", "|---|---|---|---|"]
    for name, x in r["sizes"].items():
        lines.append(f"| {name} | {x['parameters']:,} | {gb(x['fp32_bytes'])} | {gb(x.get('fp16_bytes', x['fp32_bytes']))} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def run_stage(args, *extra):
    cmd = [sys.executable, os.path.abspath(__file__), *extra, "--work", args.work]
    print("$", " ".join(cmd), flush=True)
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout.strip().splitlines()
    print("\n".join(out[:-1]), flush=True)     # the stage's log; its last line is its JSON result
    return json.loads(out[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=["all", "make", "export", "run", "sizes", "kinopkg", "kino", "markdown"])
    ap.add_argument("--work", default=os.path.join(EXPORT, "work", "real-size"))
    ap.add_argument("--precision", choices=["fp32", "fp16"], default="fp32")
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--skip-make", action="store_true",
                    help="reuse WORK/src, WORK/ref and the 'make' entry of an existing results.json")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.stage == "markdown":     # rewrite results.md from results.json
        write_markdown(json.load(open(args.out)), os.path.join(os.path.dirname(args.out), "results.md"))
        return
    if args.stage != "all":
        fn = {"make": lambda: stage_make(args.work), "export": lambda: stage_export(args.work, args.precision),
              "run": lambda: stage_run(args.work, args.precision), "sizes": stage_sizes,
              "kinopkg": lambda: stage_kinopkg(args.work, args.precision),
              "kino": lambda: stage_kino_host(args.work, args.out)}[args.stage]
        print(json.dumps(fn()), flush=True)
        return
    results = {"machine": machine(), "config": CONFIG_13B, "date": time.strftime("%Y-%m-%d")}
    results["sizes"] = run_stage(args, "sizes")
    if args.skip_make:
        results["make"] = json.load(open(args.out))["make"]
    else:
        results["make"] = run_stage(args, "make")
    for precision in ("fp32", "fp16"):
        results[f"export_{precision}"] = run_stage(args, "export", "--precision", precision)
        results[f"run_{precision}"] = run_stage(args, "run", "--precision", precision)
        results[f"kinopkg_{precision}"] = run_stage(args, "kinopkg", "--precision", precision)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
    write_markdown(results, os.path.join(os.path.dirname(args.out), "results.md"))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
