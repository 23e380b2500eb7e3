#!/usr/bin/env python3
"""Reference outputs for Kino's video-to-video on the tiny Wan package of make_tiny_wan_v2v.py, from diffusers'
own ``WanVideoToVideoPipeline`` run unchanged (transformers' ``UMT5EncoderModel`` and ``T5TokenizerFast``).

The source video is made here (9 frames of 48x32: a disc crossing smooth gradients, with hard edges) and
passed as PIL frames; Kino's test writes the same frames into a lossless video file and reads it back through
``--source-video``. Recorded by wrapping the pipeline's own functions (nothing re-implemented): the VAE
encoder's posterior mode (``retrieve_latents``), the noised start latents (``prepare_latents``), every step's
latents (``callback_on_step_end``), the latents the VAE decodes and the 8-bit frames. Cases: the model's own
UniPC at strengths 0.5 and 0.8 (4 steps: 2 and 3 steps run; UniPC ``add_noise``) and flow-match Euler at
0.75 (``scale_noise``). Needs transformers (requirements-reference.txt); run after make_tiny_wan_v2v.py:

    python models/export/make_wan_v2v_reference.py
"""
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

SRC = os.path.join(HERE, "work", "tiny-src", "wan21-v2v")
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "wan-v2v"))
PROMPT, NEGATIVE, SEED, STEPS, GUIDANCE = "A red fox runs through fresh snow at dawn.", "", 42, 4, 5.0
WIDTH, HEIGHT, FRAMES = 48, 32, 9
CASES = [("unipc-0.5", "unipc", 0.5), ("unipc-0.8", "unipc", 0.8), ("euler-0.75", "euler", 0.75)]


def source_frames():
    """A disc moving right over gradients, with a bright bar and a dark band (resampling and codecs differ most
    at edges)."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    frames = []
    for f in range(FRAMES):
        img = np.stack([255 * x / (WIDTH - 1), 255 * y / (HEIGHT - 1), 128 + 100 * np.sin(x / 3 + y / 5 + f)], -1)
        cx, cy = 8 + 3.5 * f, 16
        img[(x - cx) ** 2 + (y - cy) ** 2 < 36] = (230, 40, 30)
        img[:, 40:42] = 255
        img[5:7, :] = 0
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    return np.stack(frames)


def load_pipeline(kind):
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler, \
        WanTransformer3DModel, WanVideoToVideoPipeline
    from diffusers.pipelines.wan import pipeline_wan_video2video
    from transformers import AutoTokenizer, UMT5EncoderModel
    from kinoexport.common.package import load_real     # from_pretrained wants accelerate for fp32-kept modules
    # is_ftfy_available() answers True here without ftfy being importable; ftfy.fix_text leaves this ASCII
    # prompt unchanged, and Kino does not run it
    pipeline_wan_video2video.ftfy = types.SimpleNamespace(fix_text=lambda text: text)
    scheduler = UniPCMultistepScheduler.from_pretrained(os.path.join(SRC, "scheduler")) if kind == "unipc" \
        else FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0)
    return WanVideoToVideoPipeline(
        tokenizer=AutoTokenizer.from_pretrained(os.path.join(SRC, "tokenizer")),
        text_encoder=UMT5EncoderModel.from_pretrained(os.path.join(SRC, "text_encoder")).eval(),
        transformer=load_real(WanTransformer3DModel, os.path.join(SRC, "transformer")),
        vae=load_real(AutoencoderKLWan, os.path.join(SRC, "vae")), scheduler=scheduler)


@torch.no_grad()
def reference(case, frames, w):
    from diffusers.pipelines.wan import pipeline_wan_video2video as module
    name, kind, strength = case
    pipe = load_pipeline(kind)
    pipe.set_progress_bar_config(disable=True)
    data = {"steps": []}
    original_retrieve, original_prepare, original_decode = module.retrieve_latents, pipe.prepare_latents, pipe.vae.decode

    def retrieve(*args, **kwargs):
        out = original_retrieve(*args, **kwargs)
        data["encoded"] = out.clone()
        return out

    def prepare(*args, **kwargs):
        out = original_prepare(*args, **kwargs)
        data["start"] = out.clone()
        return out

    def decode(z, *args, **kwargs):
        data["decoded_latents"] = z.clone()
        return original_decode(z, *args, **kwargs)

    def step(p, i, t, kwargs):
        data["steps"].append((float(t), kwargs["latents"].clone()))
        return {}

    module.retrieve_latents, pipe.prepare_latents, pipe.vae.decode = retrieve, prepare, decode
    try:
        out = pipe(video=[Image.fromarray(f) for f in frames], prompt=PROMPT, negative_prompt=NEGATIVE,
                   height=HEIGHT, width=WIDTH, num_inference_steps=STEPS, guidance_scale=GUIDANCE,
                   strength=strength, generator=torch.Generator("cpu").manual_seed(SEED), output_type="np",
                   callback_on_step_end=step).frames
    finally:
        module.retrieve_latents = original_retrieve
    p = f"cases/{name}"
    w(f"{p}/encoded", data["encoded"].numpy())
    w(f"{p}/start", data["start"].numpy())
    for i, (_, lat) in enumerate(data["steps"]):
        w(f"{p}/latents_{i}", lat.numpy())
    w(f"{p}/decoded_latents", data["decoded_latents"].numpy())
    w(f"{p}/frames_u8", (out * 255).round().astype(np.uint8))
    return {"scheduler": "flow-euler" if kind == "euler" else None, "strength": strength,
            "timesteps": [t for t, _ in data["steps"]]}


def main():
    torch.set_num_threads(2)
    root = os.path.join(OUT, "reference")
    w = Writer(root)
    frames = source_frames()
    w("source_u8", frames)
    cases = {c[0]: reference(c, frames, w) for c in CASES}
    meta = {"generator": "models/export/make_wan_v2v_reference.py", "pipeline": "WanVideoToVideoPipeline",
            "package": "tiny-wan21-v2v", "prompt": PROMPT, "negative_prompt": NEGATIVE, "seed": SEED,
            "steps": STEPS, "guidance": GUIDANCE, "width": WIDTH, "height": HEIGHT, "frames": FRAMES,
            "cases": cases, "tensors": w.index}
    with open(os.path.join(root, "reference.json"), "w") as f:
        json.dump(meta, f, indent=1)
    for name, c in cases.items():
        print(name, "timesteps", c["timesteps"])


if __name__ == "__main__":
    main()
