"""Export the trained demo model to a Kino model package (ONNX opset 17, fp32).

    /usr/bin/python3 export_onnx.py     # work/vae_i2v.pt + work/denoiser_i2v.pt -> package/ (image-conditioned)
    /usr/bin/python3 export_onnx.py --text-only   # work/vae.pt + work/denoiser.pt (the text-to-video stage)

Writes package/text_encoder.onnx, denoiser.onnx, vae_decoder.onnx, (image-conditioned: vae_encoder.onnx),
kino.json and heldout.json (the held-out triples and the fixed test grid the Java accuracy test generates),
and checks each graph with the reference ONNX checker (numerical checks: check_onnx.py under onnxruntime).
An existing kino.json's "preview" factors are kept (the decoder they were fitted on does not change).
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # 2 threads on a shared 2-core box: sleep, don't spin
import argparse
import json
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import kino_manifest  # noqa: E402

import data
import models
import sample

STEPS, GUIDANCE = sample.DEFAULT_STEPS, sample.DEFAULT_GUIDANCE


class VaeEncoder(torch.nn.Module):
    """The whole-clip encoder (vae_encoder.kind "3d"): [B,3,F,64,64] -> posterior mean [B,8,F/2,8,8]."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        return self.vae.encode_video(sample)


class VaeDecoder(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        return self.vae.decode_video(latent_sample).clamp(-1, 1)


def export(module, args, path, inputs, outputs, dynamic):
    torch.onnx.export(module, args, path, opset_version=17, input_names=inputs, output_names=outputs,
                      dynamic_axes=dynamic, do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    print(f"{path}: {os.path.getsize(path) / 1e6:.2f} MB, inputs {inputs}, outputs {outputs}")


def test_grid():
    """48 fixed prompts + seeds for the end-to-end accuracy test: each of the 12 held-out triples twice and 24
    training triples once (each color, shape and direction equally often in each half); the speed words cycle
    so each half has 8 slowly, 8 plain and 8 quickly prompts. One miss in a half costs 4 points, not 8."""
    held = [t for t in data.HELDOUT for _ in range(2)]
    train = [(data.COLORS[i], data.SHAPES[(i + k) % 3], data.DIRECTIONS[(i + 2 * k) % 4])
             for k in (2, 3, 4, 5) for i in range(6)]  # same balance as HELDOUT, all seen in training
    assert not set(train) & set(data.HELDOUT) and len(set(train)) == 24
    grid = []
    for k, (c, s, d) in enumerate(held + train):
        sp = data.SPEEDS[k % 3]
        grid.append(dict(prompt=data.canonical_prompt(c, s, d, sp), seed=100 + k, color=c, shape=s, direction=d,
                         speed=sp, heldout=k < len(held)))
    return grid


def static_output_shape(path, dims):
    """torch 1.13 leaves the outputs' non-batch dims symbolic; write the real (static) sizes."""
    m = onnx.load(path)
    for d, v in zip(m.graph.output[0].type.tensor_type.shape.dim[1:], dims):
        d.ClearField("dim_param")
        d.dim_value = v
    onnx.checker.check_model(m)
    onnx.save(m, path)


def conditioning():
    """First-frame conditioning, Wan 2.1 I2V's layout (models/export/image-to-video.md) on a whole-clip encoder."""
    return {"mode": "concat", "image": "optional", "last_image": "unsupported", "resize": "lanczos",
            "mask_channels": models.MASK_C,
            "vae_encoder": {"kind": "3d", "file": "vae_encoder.onnx", "input": "sample", "output": "latent"}}


def manifest(lat_mean, lat_std, image):
    den = {
        "file": "denoiser.onnx", "precision": "fp32", "dynamic_batch": True, "sample": "sample",
        "timestep": "timestep", "text_embeddings": "encoder_hidden_states", "output": "out_sample",
        "prediction_type": "flow", "timestep_dtype": "float32", "timestep_scale": 1.0, "patch_size": [1, 1, 1],
    }
    if image:
        den["in_channels"] = 2 * models.LATENT_C + models.MASK_C
    return kino_manifest.manifest(
        "kino-demo",
        "Kino's built-in demo model: a circle, square or triangle of one of six colors moving "
        "left/right/up/down (slowly, quickly) over a dark background; 64x64, 16 frames at 8 fps. "
        "Word-level tokenizer, 2-layer transformer text encoder, 3D-UNet flow-matching denoiser, "
        "frame-pair VAE. Trained from scratch on synthetic clips (models/demo)"
        + ("; continues from a first frame (--image, --continue-from)." if image else "."),
        text_encoder={
            "file": "text_encoder.onnx", "precision": "fp32", "max_length": data.MAX_LEN, "padding": "max_length",
            "input_ids": "input_ids", "attention_mask": "attention_mask", "output": "last_hidden_state",
            "dynamic_batch": True, "zero_padding": True,
        },
        latent={"channels": models.LATENT_C, "spatial_compression": 8, "temporal_compression": 2,
                "causal": False, "size_multiple": 64},
        defaults={"width": data.W, "height": data.H, "frames": data.FRAMES, "fps": data.FPS, "steps": STEPS,
                  "guidance": GUIDANCE, "negative_prompt": ""},
        denoiser=den,
        scheduler={"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000,
                   "shift": sample.SHIFT, "use_dynamic_shifting": False},
        vae={
            "kind": "3d", "file": "vae_decoder.onnx", "precision": "fp32", "dynamic_batch": True,
            "input": "latent_sample", "output": "sample",
            "latents_mean": [round(float(v), 6) for v in lat_mean],
            "latents_std": [round(float(v), 6) for v in lat_std],
        },
        conditioning=conditioning() if image else None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="work")
    ap.add_argument("--out", default="package")
    ap.add_argument("--text-only", action="store_true", help="export the text-to-video stage")
    a = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(a.out, exist_ok=True)
    image = not a.text_only
    vae = models.VAE()
    vae.load_state_dict(torch.load(os.path.join(a.work, "vae_i2v.pt" if image else "vae.pt")))
    ck = torch.load(os.path.join(a.work, "denoiser_i2v.pt" if image else "denoiser.pt"))
    te = models.TextEncoder(len(data.VOCAB))
    dn = models.Denoiser(cond_channels=models.MASK_C + models.LATENT_C if image else 0)
    te.load_state_dict(ck["te"]), dn.load_state_dict(ck["dn"])
    for m in (vae, te, dn):
        m.eval()
    L, D, C, F, S = data.MAX_LEN, models.TEXT_DIM, models.LATENT_C, data.FRAMES // 2, data.H // 8
    ids = torch.tensor([data.tokenize("a red circle moving right")[0], data.tokenize("")[0]])
    mask = torch.tensor([data.tokenize("a red circle moving right")[1], data.tokenize("")[1]])
    p = lambda f: os.path.join(a.out, f)
    with torch.no_grad():
        export(te, (ids, mask), p("text_encoder.onnx"), ["input_ids", "attention_mask"], ["last_hidden_state"],
               {"input_ids": {0: "batch"}, "attention_mask": {0: "batch"}, "last_hidden_state": {0: "batch"}})
        cin = 2 * C + models.MASK_C if image else C
        x, t, txt = torch.randn(2, cin, F, S, S), torch.tensor([1000.0, 500.0]), te(ids, mask)
        export(dn, (x, t, txt), p("denoiser.onnx"), ["sample", "timestep", "encoder_hidden_states"],
               ["out_sample"], {"sample": {0: "batch"}, "timestep": {0: "batch"},
                                "encoder_hidden_states": {0: "batch"}, "out_sample": {0: "batch"}})
        export(VaeDecoder(vae), (torch.randn(1, C, F, S, S),), p("vae_decoder.onnx"), ["latent_sample"],
               ["sample"], {"latent_sample": {0: "batch"}, "sample": {0: "batch"}})
        if image:
            export(VaeEncoder(vae), (torch.randn(1, 3, data.FRAMES, data.H, data.W),), p("vae_encoder.onnx"),
                   ["sample"], ["latent"], {"sample": {0: "batch"}, "latent": {0: "batch"}})
        elif os.path.exists(p("vae_encoder.onnx")):
            os.remove(p("vae_encoder.onnx"))
    static_output_shape(p("denoiser.onnx"), [C, F, S, S])
    static_output_shape(p("vae_decoder.onnx"), [3, data.FRAMES, data.H, data.W])
    if image:
        static_output_shape(p("vae_encoder.onnx"), [C, F, S, S])
    m = manifest(ck["lat_mean"].numpy(), ck["lat_std"].numpy(), image)
    if os.path.exists(p("kino.json")):
        with open(p("kino.json")) as fh:
            old = json.load(fh)
        if "preview" in old:
            m["preview"] = old["preview"]
    kino_manifest.write(m, p("kino.json"))
    heldout = {
        "description": "Color/shape/direction triples never seen in training (with any speed word), and the "
                       "fixed test grid (prompt, seed) for the end-to-end accuracy test; see models/demo/README.md "
                       "for how color, shape, direction and distance are measured.",
        "heldout_triples": [list(t) for t in data.HELDOUT],
        "palette": data.PALETTE,
        "background": list(data.BACKGROUND),
        "speed_px_per_frame": dict(zip(["slowly", "default", "quickly"], data.SPEED_PX)),
        "test_grid": test_grid(),
    }
    with open(p("heldout.json"), "w") as fh:
        json.dump(heldout, fh, indent=1)
        fh.write("\n")
    graphs = ("text_encoder.onnx", "denoiser.onnx", "vae_decoder.onnx") + (("vae_encoder.onnx",) if image else ())
    total = sum(os.path.getsize(p(f)) for f in graphs)
    print(f"ONNX total {total / 1e6:.2f} MB; wrote {p('kino.json')} and {p('heldout.json')}")


if __name__ == "__main__":
    main()
