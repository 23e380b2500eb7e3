#!/usr/bin/env python3
"""Real-size record for LTX-Video 2B: a random-weight ``LTXVideoTransformer3DModel`` with the real 2B config
(28 layers, 32 heads of 64, caption_channels 4096, 128 latent channels) is saved as a diffusers folder (bf16,
as Lightricks ships it), exported to a Kino denoiser with models/export/export_ltx.py, loaded and stepped.

    bench/ltx-real-size/run.sh            # = models/.venv/bin/python real_size.py all --work DIR, then real_size.py kino (host)

Every stage runs in its own process so its peak resident memory (ru_maxrss) is its own:

    make      random 2B model -> WORK/src (bf16 safetensors) and PyTorch fp32 outputs at two latent sizes -> WORK/ref
    export    export_ltx.py --only denoiser [--fp16] -> WORK/pkg-<precision> (its export_report.json)
    run       ONNX Runtime (Python): session load, time per denoiser call (batch 2, 128 text tokens) at the two
              sizes, error against the PyTorch outputs, peak RSS
    sizes     exact parameter counts of the 2B and 13B transformers and T5-XXL (meta device)
    kinopkg   a complete Kino package around the exported denoiser: a real-width (d_model 4096) one-layer T5
              v1.1, the tiny test VAE (128 latent channels, 32x/8x) and a small tokenizer
    kino      host (Java): ``./kino generate`` on that package at the two sizes, 3 steps, /usr/bin/time -v

Results: bench/ltx-real-size/results.json and results.md.
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
                             peak_mib, save_wide_text_encoder, xxl_encoder_size)

CONFIG_2B = dict(in_channels=128, out_channels=128, patch_size=1, patch_size_t=1, num_attention_heads=32,
                 attention_head_dim=64, cross_attention_dim=2048, num_layers=28, caption_channels=4096)
CONFIG_13B = dict(CONFIG_2B, attention_head_dim=128, cross_attention_dim=4096, num_layers=48)
# (width, height, frames) of the video -> latent [2, 128, (frames-1)/8+1, height/32, width/32]
SIZES = {"small": (64, 64, 9), "medium": (256, 256, 25)}
TEXT_LEN = 128


def latent(size):
    w, h, f = SIZES[size]
    return [2, 128, (f - 1) // 8 + 1, h // 32, w // 32]


def inputs(size):
    import torch
    g = torch.Generator().manual_seed(7)
    shape = latent(size)
    mask = torch.ones(2, TEXT_LEN, dtype=torch.int64)
    mask[0, 10:] = 0                      # the uncond row: a short negative prompt
    return (torch.randn(*shape, generator=g), torch.full((2,), 757.0), torch.randn(2, TEXT_LEN, 4096, generator=g),
            mask, torch.tensor([25.0]))


def stage_make(work):
    import numpy as np
    import torch
    from diffusers import LTXVideoTransformer3DModel
    from kinoexport.ltx.denoiser import reference_forward
    torch.set_num_threads(os.cpu_count())
    t0 = time.time()
    torch.manual_seed(0)
    model = LTXVideoTransformer3DModel(**CONFIG_2B).eval()
    init_s = time.time() - t0
    model.to(torch.bfloat16)
    t0 = time.time()
    folder = os.path.join(work, "src", "transformer")
    model.save_pretrained(folder, max_shard_size="5GB")
    save_s = time.time() - t0
    model.float()        # bf16 -> fp32 exactly: the reference sees the very weights the exporter reads
    t0 = time.time()
    os.makedirs(os.path.join(work, "ref"), exist_ok=True)
    with torch.no_grad():
        for size in SIZES:
            hs, ts, ctx, mask, fps = inputs(size)
            out = reference_forward(model, hs, ts, ctx, mask, float(fps[0]))
            np.save(os.path.join(work, "ref", f"{size}.npy"), out.numpy())
    stored = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder) if f.endswith(".safetensors"))
    return {"parameters": sum(p.numel() for p in model.parameters()), "safetensors_bytes": stored,
            "init_s": round(init_s, 1), "save_s": round(save_s, 1), "reference_s": round(time.time() - t0, 1),
            "peak_rss_mib": peak_mib()}


def stage_export(work, precision):
    out = os.path.join(work, f"pkg-{precision}")
    cmd = [sys.executable, os.path.join(EXPORT, "export_ltx.py"), os.path.join(work, "src"), out, "--only", "denoiser"]
    subprocess.run(cmd + (["--fp16"] if precision == "fp16" else []), check=True)
    report = json.load(open(os.path.join(out, "export_report.json")))
    return {"export_s": report["seconds"], "peak_rss_mib": report["peak_rss_mib"], "files": report["files"],
            "checks": report["checks"]}


def stage_run(work, precision):
    """ONNX Runtime's CPU provider on the exported denoiser; an error it raises (an op it cannot run in
    this precision) is recorded word for word instead of stopping the record."""
    import numpy as np
    try:
        sess, load_s = ort_session(os.path.join(work, f"pkg-{precision}", "denoiser.onnx"))
    except Exception as e:  # noqa: BLE001 (the record keeps ONNX Runtime's own words)
        return {"error": f"session load: {type(e).__name__}: {e}"[:2000], "peak_rss_mib": peak_mib()}
    out = {"load_s": round(load_s, 1), "rss_after_load_mib": peak_mib(), "steps": {}}
    for size in SIZES:
        hs, ts, ctx, mask, fps = (x.numpy() for x in inputs(size))
        feed = {"hidden_states": hs, "timestep": ts, "encoder_hidden_states": ctx, "encoder_attention_mask": mask,
                "frame_rate": fps}
        times, got = [], None
        try:
            for _ in range(3 if precision == "fp32" or size == "small" else 1):
                t0 = time.time()
                got = sess.run(None, feed)[0]
                times.append(time.time() - t0)
        except Exception as e:  # noqa: BLE001
            out["steps"][size] = {"latent": latent(size), "error": f"{type(e).__name__}: {e}"[:2000]}
            continue
        ref = np.load(os.path.join(work, "ref", f"{size}.npy"))
        shape = latent(size)
        out["steps"][size] = {"latent": shape, "tokens_per_sample": shape[2] * shape[3] * shape[4],
                              "first_call_s": round(times[0], 2), "calls": len(times),
                              "median_s": round(sorted(times)[len(times) // 2], 2),
                              "rel_err_vs_torch_fp32": float(np.abs(got - ref).max() / np.abs(ref).max())}
    out["peak_rss_mib"] = peak_mib()
    return out


def stage_sizes():
    import torch
    from diffusers import LTXVideoTransformer3DModel
    out = {}
    for name, cfg in (("transformer_2B", CONFIG_2B), ("transformer_13B", CONFIG_13B)):
        with torch.device("meta"):
            t = LTXVideoTransformer3DModel(**cfg)
        n = sum(p.numel() for p in t.parameters())
        out[name] = {"parameters": n, "fp32_bytes": n * 4, "fp16_bytes": n * 2}
    out["t5_v1_1_xxl_encoder"] = xxl_encoder_size(32128, model_type="t5")
    return out


def stage_kinopkg(work, precision):
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler
    import make_tiny_ltx as tiny
    src = os.path.join(work, "src-kino")
    if not os.path.isfile(os.path.join(src, "model_index.json")):
        os.makedirs(src, exist_ok=True)
        vocab = tiny.train_tokenizer(os.path.join(src, "tokenizer"), model_max_length=TEXT_LEN)
        save_wide_text_encoder(src, vocab, model_type="t5")
        AutoencoderKLLTXVideo(**tiny.VAE).save_pretrained(os.path.join(src, "vae"))
        FlowMatchEulerDiscreteScheduler(**tiny.SCHEDULER).save_pretrained(os.path.join(src, "scheduler"))
        os.symlink(os.path.join("..", "src", "transformer"), os.path.join(src, "transformer"))
        json.dump({"_class_name": "LTXPipeline"}, open(os.path.join(src, "model_index.json"), "w"))
    out = os.path.join(work, f"kino-{precision}")
    link_denoiser(work, precision, out)     # first: the manifest writer checks every file
    w, h, f = SIZES["small"]
    subprocess.run([sys.executable, os.path.join(EXPORT, "export_ltx.py"), src, out, "--only",
                    "tokenizer,text_encoder,vae,manifest", "--width", str(w), "--height", str(h), "--frames", str(f),
                    "--steps", "3", "--name", f"ltx-2b-real-size-{precision}"]
                   + (["--fp16"] if precision == "fp16" else []), check=True)
    return package_files(out)


def stage_kino_host(work, results_path, precisions, sizes=tuple(SIZES)):
    """Host side (Java): ./kino generate under /usr/bin/time; merged into results.json."""
    results = json.load(open(results_path))
    for precision in precisions:
        entry = results.get(f"kino_{precision}", {})
        for name in sizes:
            w, h, f = SIZES[name]
            entry[name] = {"latent": latent(name), **kino_generate(os.path.join(work, f"kino-{precision}"), w, h, f,
                                                                   os.path.join(work, f"kino-{precision}-{name}.mp4"))}
        results[f"kino_{precision}"] = entry
    with open(results_path, "w") as fh:
        json.dump(results, fh, indent=2)
    write_markdown(results, os.path.join(os.path.dirname(results_path), "results.md"))


def write_markdown(r, path):
    gb = lambda b: f"{b / 1e9:.2f} GB"  # noqa: E731
    m = r["machine"]
    lines = ["# LTX-Video 2B at real size: export, load, steps (CPU)", "",
             f"Produced by `bench/ltx-real-size/run.sh` on {r['date']}: {m['cpus']} CPUs, {m['ram_gib']} GiB RAM, "
             f"{m['platform']}, torch {m['torch']}, onnxruntime {m['onnxruntime']}. The machine was shared with other "
             "jobs, so times are indicative. Everything is measured except the sizes table (exact parameter counts "
             "x bytes). No GPU was available: GPU figures are unmeasured.", "",
             f"Model: random-weight diffusers `LTXVideoTransformer3DModel`, real 2B config ({r['make']['parameters']:,} "
             f"parameters), saved as bf16 safetensors ({gb(r['make']['safetensors_bytes'])}): init {r['make']['init_s']} s, "
             f"save {r['make']['save_s']} s, PyTorch fp32 reference outputs {r['make']['reference_s']} s, peak RSS "
             f"{r['make']['peak_rss_mib']:,} MiB (this stage stands in for the download; the exporter never holds the "
             "model).", "", "## Export (`export_ltx.py --only denoiser`)", "",
             "| precision | export time | peak RSS | denoiser.onnx | denoiser.onnx_data | rewrite check (block 0, real weights) |",
             "|---|---|---|---|---|---|"]
    for p in r["precisions"]:
        e = r[f"export_{p}"]
        check = max(next(iter(e["checks"].values())).values())
        lines.append(f"| {p} | {e['export_s']} s | {e['peak_rss_mib']:,} MiB | {e['files']['denoiser.onnx']:,} B | "
                     f"{e['files']['denoiser.onnx_data']:,} B ({gb(e['files']['denoiser.onnx_data'])}) | "
                     f"max rel err {check:.1e} |")
    lines += ["", f"## Denoiser calls (ONNX Runtime CPU, Python; batch 2 = cond + uncond, {TEXT_LEN} text tokens)", "",
              "| precision | session load | RSS after load | latent | tokens/sample | first call | median | "
              "rel err vs PyTorch fp32 | peak RSS |", "|---|---|---|---|---|---|---|---|---|"]
    for p in r["precisions"]:
        x = r[f"run_{p}"]
        if "error" in x:
            lines.append(f"| {p} | failed: {x['error']} | | | | | | | {x['peak_rss_mib']:,} MiB |")
            continue
        for st in x["steps"].values():
            if "error" in st:
                lines.append(f"| {p} | {x['load_s']} s | {x['rss_after_load_mib']:,} MiB | "
                             f"{'x'.join(map(str, st['latent']))} | | failed: {st['error']} | | | |")
                continue
            lines.append(f"| {p} | {x['load_s']} s | {x['rss_after_load_mib']:,} MiB | {'x'.join(map(str, st['latent']))} "
                         f"| {st['tokens_per_sample']} | {st['first_call_s']} s | {st['median_s']} s (of {st.get('calls', 3)}) | "
                         f"{st['rel_err_vs_torch_fp32']:.1e} | {x['peak_rss_mib']:,} MiB |")
    if any(f"kino_{p}" in r for p in r["precisions"]):
        lines += ["", "## Kino (`./kino generate … --steps 3 --device cpu`)", "",
                  "The package: the real-size denoiser above + a real-width (d_model 4096) one-layer T5 v1.1, the tiny "
                  "test VAE and a small tokenizer (`kinopkg`), so the figures are the denoiser's (guidance 3: batch 2 "
                  "per step; the per-step mean includes the first, warm-up step). Peak RSS of the whole JVM.", "",
                  "| precision | video WxHxF (latent) | rc | loaded in | denoise (3 steps) | per step | peak RSS |",
                  "|---|---|---|---|---|---|---|"]
        for p in r["precisions"]:
            for name, k in r.get(f"kino_{p}", {}).items():
                w, h, f = SIZES[name]
                lines.append(f"| {p} | {w}x{h}x{f} ({'x'.join(map(str, k['latent']))}) | {k['rc']} | {k['loaded_in']} | "
                             f"{k['denoise']} | {k['per_step']} | {k['peak_rss_mib']:,} MiB |")
    if r.get("notes"):
        lines += ["", "## Notes", ""] + [f"* {n}" for n in r["notes"]]
    lines += ["", "## Sizes of the real models (computed)", "", "| model | parameters | fp32 | fp16 export |",
              "|---|---|---|---|"]
    for name, s in r["sizes"].items():
        lines.append(f"| {name} | {s['parameters']:,} | {gb(s['fp32_bytes'])} | {gb(s['fp16_bytes'])} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def run_stage(stage, work, *extra):
    p = subprocess.run([sys.executable, os.path.abspath(__file__), stage, "--work", work, *extra],
                       capture_output=True, text=True)
    sys.stderr.write(p.stderr[-3000:])
    if p.returncode != 0:
        raise SystemExit(f"stage {stage} failed")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=["all", "make", "export", "run", "sizes", "kinopkg", "kino"])
    ap.add_argument("--work", required=True)
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--precisions", default="fp32", help="comma list for 'all' and 'kino' (fp32,fp16)")
    ap.add_argument("--skip-make", action="store_true")
    ap.add_argument("--sizes", default=",".join(SIZES), help="comma list for 'kino' (small,medium)")
    args = ap.parse_args()
    results_path = os.path.join(HERE, "results.json")
    precisions = args.precisions.split(",")
    if args.stage == "kino":
        stage_kino_host(args.work, results_path, precisions, args.sizes.split(","))
        return
    if args.stage != "all":
        fn = {"make": lambda: stage_make(args.work), "export": lambda: stage_export(args.work, args.precision),
              "run": lambda: stage_run(args.work, args.precision), "sizes": stage_sizes,
              "kinopkg": lambda: stage_kinopkg(args.work, args.precision)}[args.stage]
        print(json.dumps(fn()))
        return
    results = json.load(open(results_path)) if args.skip_make and os.path.isfile(results_path) else {}
    results.update({"date": time.strftime("%Y-%m-%d"), "precisions": precisions, "machine": machine()})
    os.makedirs(args.work, exist_ok=True)

    def save():     # after every stage: a later failure keeps what was measured (rerun with --skip-make)
        with open(results_path, "w") as f:
            json.dump(results, f, indent=2)

    if not args.skip_make:
        results["make"] = run_stage("make", args.work)
        print("make", results["make"], flush=True)
        save()
    results["sizes"] = run_stage("sizes", args.work)
    for p in precisions:
        results[f"export_{p}"] = run_stage("export", args.work, "--precision", p)
        print("export", p, results[f"export_{p}"]["export_s"], flush=True)
        save()
        results[f"run_{p}"] = run_stage("run", args.work, "--precision", p)
        print("run", p, results[f"run_{p}"], flush=True)
        save()
        results[f"kinopkg_{p}"] = run_stage("kinopkg", args.work, "--precision", p)
        save()
    write_markdown(results, os.path.join(HERE, "results.md"))


if __name__ == "__main__":
    main()
