#!/usr/bin/env python3
"""Reference outputs for Kino's Wan VACE on the tiny package of make_tiny_wan_vace.py, from diffusers' own
``WanVACEPipeline`` run unchanged (transformers' ``UMT5EncoderModel`` and ``T5TokenizerFast``).

Inputs made here and stored beside the references: two reference pictures (PNG, of other sizes and aspect
ratios than the 48x32 video, so the pipeline's resize onto a white canvas matters), a control video and a mask
video (9 frames of 48x32, 8-bit RGB; Kino's test writes them into lossless video files). Cases: ``refs`` (one
reference image), ``control`` (control video only), ``mask`` (the control video as the source to repaint, with
a mask of a moving box), ``all`` (control video, mask and both reference images, conditioning_scale 0.7). Recorded
by wrapping the pipeline's own methods: the conditioning latents (``prepare_video_latents`` + ``prepare_masks``,
the transformer's ``control_hidden_states``), the noise, every step's latents, the latents decoded, the 8-bit
frames. ``--variant wan22`` does the same for tiny-wan22-vace (the Wan2.2-VACE-Fun-A14B design:
``transformer`` + ``transformer_2`` and the pipeline's ``boundary_ratio``, guidance 4.0 / ``guidance_scale_2``
3.0) into ``reference-wan22/``, cases ``control`` and ``all``. Run after make_tiny_wan_vace.py:

    python models/export/make_wan_vace_reference.py && python models/export/make_wan_vace_reference.py --variant wan22
"""
import argparse
import json
import os
import sys
import types

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from kinoexport.common.reference import Writer  # noqa: E402

TINY = os.path.join(HERE, "work", "tiny-src")
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "wan-vace"))
PROMPT, NEGATIVE, SEED, STEPS = "A red fox runs through fresh snow at dawn.", "", 42, 4
WIDTH, HEIGHT, FRAMES = 48, 32, 9
# name: (reference images, control video, mask video, conditioning_scale)
CASES = {"refs": (["ref_a"], False, False, 1.0), "control": ([], True, False, 1.0),
         "mask": ([], True, True, 1.0), "all": (["ref_a", "ref_b"], True, True, 0.7)}
# variant: (source folder, reference folder, package, guidance, guidance_scale_2 of the low-noise expert, cases)
VARIANTS = {"wan21": ("wan21-vace", "reference", "tiny-wan21-vace", 5.0, None, list(CASES)),
            "wan22": ("wan22-vace", "reference-wan22", "tiny-wan22-vace", 4.0, 3.0, ["control", "all"])}


def picture(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([255 * x / (w - 1), 128 + 100 * np.sin(y / 4), 255 * y / (h - 1)], -1)
    cx, cy, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h, 0.3 * min(w, h)
    img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.integers(0, 256, 3)
    img[h // 3: h // 3 + 2, :] = 255
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def control_frames():
    """Edges of a disc moving right (what a pose/edge control looks like: bright lines on black)."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    out = []
    for f in range(FRAMES):
        d = np.hypot(x - (10 + 3 * f), y - 16)
        img = np.zeros((HEIGHT, WIDTH, 3))
        img[np.abs(d - 7) < 1.2] = 255
        img[:, :, 1] += 40 * np.sin(x / 5 + f)
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return np.stack(out)


def mask_frames():
    """White (repaint) over a box moving down, black (keep) elsewhere."""
    out = np.zeros((FRAMES, HEIGHT, WIDTH, 3), np.uint8)
    for f in range(FRAMES):
        out[f, 2 + 2 * f: 14 + 2 * f, 16:36] = 255
    return out


def load_pipeline(src):
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanVACEPipeline, WanVACETransformer3DModel
    from diffusers.pipelines.wan import pipeline_wan_vace
    from transformers import AutoTokenizer, UMT5EncoderModel
    from kinoexport.common.package import load_real
    pipeline_wan_vace.ftfy = types.SimpleNamespace(fix_text=lambda text: text)   # ASCII prompt: unchanged
    index = json.load(open(os.path.join(src, "model_index.json")))
    second = os.path.join(src, "transformer_2")   # Wan 2.2 VACE-Fun: the low-noise expert
    return WanVACEPipeline(
        tokenizer=AutoTokenizer.from_pretrained(os.path.join(src, "tokenizer")),
        text_encoder=UMT5EncoderModel.from_pretrained(os.path.join(src, "text_encoder")).eval(),
        transformer=load_real(WanVACETransformer3DModel, os.path.join(src, "transformer")),
        transformer_2=load_real(WanVACETransformer3DModel, second) if os.path.isdir(second) else None,
        boundary_ratio=index.get("boundary_ratio"),
        vae=load_real(AutoencoderKLWan, os.path.join(src, "vae")),
        scheduler=UniPCMultistepScheduler.from_pretrained(os.path.join(src, "scheduler")))


@torch.no_grad()
def reference(pipe, name, spec, inputs, w, guidance, guidance_2):
    refs, control, mask, scale = spec
    data = {"steps": []}
    original_forward, original_decode, original_prepare = pipe.transformer.forward, pipe.vae.decode, pipe.prepare_latents

    def forward(*args, **kwargs):   # the high-noise expert runs first, so it sees the conditioning
        data["control_hidden_states"] = kwargs["control_hidden_states"].clone()
        return original_forward(*args, **kwargs)

    def decode(z, *args, **kwargs):
        data["decoded_latents"] = z.clone()
        return original_decode(z, *args, **kwargs)

    def prepare(*args, **kwargs):
        out = original_prepare(*args, **kwargs)
        data["noise"] = out.clone()
        return out

    def step(p, i, t, kwargs):
        data["steps"].append((float(t), kwargs["latents"].clone()))
        return {}

    pipe.transformer.forward, pipe.vae.decode, pipe.prepare_latents = forward, decode, prepare
    kwargs = dict(prompt=PROMPT, negative_prompt=NEGATIVE, height=HEIGHT, width=WIDTH, num_frames=FRAMES,
                  num_inference_steps=STEPS, guidance_scale=guidance, guidance_scale_2=guidance_2,
                  conditioning_scale=scale,
                  generator=torch.Generator("cpu").manual_seed(SEED), output_type="np", callback_on_step_end=step)
    if refs:
        kwargs["reference_images"] = [inputs[r] for r in refs]
    if control:
        kwargs["video"] = [Image.fromarray(f) for f in inputs["control"]]
    if mask:
        kwargs["mask"] = [Image.fromarray(f) for f in inputs["mask"]]
    try:
        frames = pipe(**kwargs).frames
    finally:
        pipe.transformer.forward, pipe.vae.decode, pipe.prepare_latents = original_forward, original_decode, original_prepare
    p = f"cases/{name}"
    w(f"{p}/control_hidden_states", data["control_hidden_states"].numpy())
    w(f"{p}/noise", data["noise"].numpy())
    for i, (_, lat) in enumerate(data["steps"]):
        w(f"{p}/latents_{i}", lat.numpy())
    w(f"{p}/decoded_latents", data["decoded_latents"].numpy())
    w(f"{p}/frames_u8", (frames * 255).round().astype(np.uint8))
    return {"reference_images": refs, "control_video": control, "mask_video": mask, "conditioning_scale": scale,
            "timesteps": [t for t, _ in data["steps"]]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", choices=list(VARIANTS), default="wan21")
    src, folder, package, guidance, guidance_2, names = VARIANTS[ap.parse_args().variant]
    torch.set_num_threads(2)
    root = os.path.join(OUT, folder)
    os.makedirs(os.path.join(root, "images"), exist_ok=True)
    w = Writer(root)
    inputs = {"ref_a": picture(40, 64, 1), "ref_b": picture(80, 24, 2), "control": control_frames(),
              "mask": mask_frames()}
    images = {}
    for k in ("ref_a", "ref_b"):
        inputs[k].save(os.path.join(root, "images", f"{k}.png"))
        images[k] = f"images/{k}.png"
        inputs[k] = Image.open(os.path.join(root, "images", f"{k}.png")).convert("RGB")   # as load_image reads it
    w("control_u8", inputs["control"])
    w("mask_u8", inputs["mask"])
    pipe = load_pipeline(os.path.join(TINY, src))
    pipe.set_progress_bar_config(disable=True)
    cases = {name: reference(pipe, name, CASES[name], inputs, w, guidance, guidance_2) for name in names}
    meta = {"generator": "models/export/make_wan_vace_reference.py", "pipeline": "WanVACEPipeline",
            "package": package, "prompt": PROMPT, "negative_prompt": NEGATIVE, "seed": SEED,
            "steps": STEPS, "guidance": guidance, "width": WIDTH, "height": HEIGHT, "frames": FRAMES,
            "images": images, "cases": cases, "tensors": w.index}
    if guidance_2 is not None:
        meta.update(guidance_2=guidance_2, boundary_ratio=pipe.config.boundary_ratio)
    with open(os.path.join(root, "reference.json"), "w") as f:
        json.dump(meta, f, indent=1)
    for name, c in cases.items():
        print(name, c["timesteps"], w.index[f"cases/{name}/control_hidden_states"]["shape"])


if __name__ == "__main__":
    main()
