"""What the real-size records (bench/wan-real-size/real_size.py, bench/ltx-real-size/real_size.py) share: peak
memory and the machine, an ONNX Runtime session on all cores, the Kino package built around a real-size
denoiser (a real-width one-layer text encoder, the exported denoiser hard-linked in) and one ``./kino generate``
timed under /usr/bin/time. Each record keeps its own model, sizes and tables."""
import json
import os
import platform
import re
import resource
import subprocess
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def peak_mib():
    """This process's peak resident memory (ru_maxrss) in MiB: each stage runs in its own process for this."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def machine():
    """The machine and library versions a record was made with (imports torch and onnxruntime)."""
    import onnxruntime
    import torch
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
            "ram_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def ort_session(path):
    """ONNX Runtime's CPU provider on every core: the session and its load time in seconds."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = os.cpu_count()
    t0 = time.time()
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    return sess, time.time() - t0


def save_wide_text_encoder(src, vocab, **config):
    """A real-width (d_model 4096) one-layer T5/UMT5 encoder with random weights as a diffusers text_encoder/
    folder under ``src``: the package then costs what its real-size denoiser costs, not a real encoder's 20 GB."""
    import torch
    from safetensors.torch import save_file
    from kinoexport.common.umt5 import UMT5Config, UMT5Encoder
    torch.manual_seed(1)
    cfg = UMT5Config(vocab_size=vocab, d_model=4096, d_kv=64, d_ff=10240, num_heads=64, num_layers=1, **config)
    os.makedirs(os.path.join(src, "text_encoder"), exist_ok=True)
    save_file({k: v.contiguous() for k, v in UMT5Encoder(cfg).state_dict().items()},
              os.path.join(src, "text_encoder", "model.safetensors"))
    json.dump(cfg.to_hf_dict(), open(os.path.join(src, "text_encoder", "config.json"), "w"))


def nbytes(module):
    """Bytes of a module's parameters at their dtype (works on the meta device)."""
    return sum(p.numel() * p.element_size() for p in module.parameters())


def xxl_encoder_size(vocab, **config):
    """Exact size of the real 24-layer T5/UMT5-XXL text encoder (d_model 4096), counted on the meta device:
    parameters, fp32 bytes and the bytes of its fp16 export."""
    import torch
    from kinoexport.common.umt5 import UMT5Config, UMT5Encoder
    with torch.device("meta"):
        enc = UMT5Encoder(UMT5Config(vocab_size=vocab, d_model=4096, d_kv=64, d_ff=10240, num_heads=64,
                                     num_layers=24, **config))
        return {"parameters": sum(p.numel() for p in enc.parameters()), "fp32_bytes": nbytes(enc),
                "fp16_bytes": nbytes(enc.to_export_dtype_(torch.float16))}


def link_denoiser(work, precision, out):
    """Hard-links WORK/pkg-PRECISION's exported denoiser into the package ``out`` (no copy of gigabytes)."""
    os.makedirs(out, exist_ok=True)
    for name in ("denoiser.onnx", "denoiser.onnx_data"):
        target = os.path.join(out, name)
        if os.path.exists(target):
            os.remove(target)
        os.link(os.path.join(work, f"pkg-{precision}", name), target)


def package_files(out):
    return {"package": out, "files": {n: os.path.getsize(os.path.join(out, n)) for n in sorted(os.listdir(out))}}


def kino_generate(package, width, height, frames, mp4, steps=3):
    """``./kino generate`` (STEPS steps, seed 0, CPU) on ``package`` under /usr/bin/time -v: its exit code, load
    time, denoise time, time per step and the JVM's peak RSS, as Kino prints them."""
    cmd = ["/usr/bin/time", "-v", os.path.join(ROOT, "kino"), "generate", "a red fox runs through snow",
           "-m", package, "--width", str(width), "--height", str(height), "--frames", str(frames), "--steps", str(steps),
           "--seed", "0", "--device", "cpu", "-q", "-o", mp4]
    print("$", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True)
    print(p.stdout, p.stderr[-600:], flush=True)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    load = re.search(r"loaded in ([\d.]+ m?s)", p.stdout + p.stderr)
    step = re.search(r"denoise\s+([\d.]+ m?s)\s+\((\d+) steps, ([\d.]+ m?s)/step\)", p.stdout)
    return {"rc": p.returncode, "loaded_in": load.group(1) if load else None,
            "denoise": step.group(1) if step else None, "per_step": step.group(3) if step else None,
            "peak_rss_mib": round(int(rss.group(1)) / 1024) if rss else None, "stdout": p.stdout.strip()[-1500:]}
