#!/usr/bin/env python3
"""Reference outputs for the tiny HunyuanVideo 1.5 image-to-video package, from diffusers' own
``HunyuanVideo15ImageToVideoPipeline``.

The pipeline is loaded from the tiny image-to-video folder (``make_tiny_hunyuan.py --i2v``) with ``from_pretrained``
and called unchanged on a picture made here (committed as ``picture_<case>.png``): it picks the video's size from
the picture's aspect ratio (its buckets around the transformer's ``target_size``), crop-resizes the picture to it
(lanczos), encodes it with the VAE (posterior mode x scaling factor) and with the SigLIP tower, and denoises
``[latents, image latents, mask]``. Read-only taps record what passes: ``encode_image``'s result (the image
embeddings), ``prepare_cond_latents_and_mask``'s (condition latents and mask), ``encode_prompt``'s and every
``scheduler.step``'s output. Frames are the pipeline's ``output_type="np"``.

    cd models/export && ../.venv/bin/python make_hunyuan_i2v_reference.py # needs transformers (requirements-reference.txt)
"""
import os
import shutil
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from kinoexport.common.reference import Writer  # noqa: E402

SRC = os.path.join(HERE, "work", "tiny-src", "hunyuan-i2v")
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "hunyuan",
                                    "reference-i2v"))
SEED = 42
# name: prompt, picture width, picture height, frames, steps (the video's size is the pipeline's choice)
CASES = {"fox": ("A red fox runs through fresh snow at dawn", 84, 60, 5, 3),
         "sign": ("a neon sign reads \"OPEN\" above a small shop", 60, 84, 9, 2)}


def picture(width, height):
    """A smooth colour field with a few hard edges (so that resizing filters matter)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    rgb = np.stack([x / width, y / height, 0.5 + 0.5 * np.sin(x / 5.0 + y / 7.0)], axis=-1) * 255
    rgb[height // 3: height // 2, width // 4: width // 2] = (250, 20, 40)
    return Image.fromarray(rgb.round().clip(0, 255).astype(np.uint8), "RGB")


@torch.no_grad()
def reference(pipe, name, case, w):
    prompt, pw, ph, frames, steps = case
    image = picture(pw, ph)
    image.save(os.path.join(OUT, f"picture_{name}.png"))
    taps = {"encode_prompt": [], "encode_image": [], "prepare_cond_latents_and_mask": [], "step": []}
    originals = {k: getattr(pipe, k) for k in ("encode_prompt", "encode_image", "prepare_cond_latents_and_mask")}
    step = pipe.scheduler.step

    def tap(key, fn):
        def wrapped(*a, **kw):
            out = fn(*a, **kw)
            taps[key].append([t.clone() for t in out] if isinstance(out, tuple) else out.clone())
            return out
        return wrapped

    for k, fn in originals.items():
        setattr(pipe, k, tap(k, fn))
    pipe.scheduler.step = tap("step", step)
    try:
        video = pipe(image=image, prompt=prompt, num_frames=frames, num_inference_steps=steps,
                     generator=torch.Generator("cpu").manual_seed(SEED), output_type="np").frames
    finally:
        for k in originals:
            delattr(pipe, k)
        del pipe.scheduler.step
    w(f"{name}/image_embeds", taps["encode_image"][0].float().numpy())
    cond, mask = taps["prepare_cond_latents_and_mask"][0]
    w(f"{name}/cond_latents", cond.float().numpy())
    w(f"{name}/cond_mask", mask.float().numpy())
    for which, (emb, m, emb2, m2) in zip(("cond", "uncond"), taps["encode_prompt"]):
        w(f"{name}/{which}/prompt_embeds", emb.float().numpy())
        w(f"{name}/{which}/prompt_embeds_2", emb2.float().numpy())
    for i, out in enumerate(taps["step"]):
        w(f"{name}/latents_{i}", out[0].numpy())
    frames_u8 = (np.asarray(video) * 255).round().astype(np.uint8)
    w(f"{name}/frames_u8", frames_u8)
    return {"prompt": prompt, "negative_prompt": "", "guidance": float(pipe.guider.guidance_scale),
            "picture": f"picture_{name}.png", "width": int(frames_u8.shape[3]), "height": int(frames_u8.shape[2]),
            "frames": frames, "steps": steps, "seed": SEED, "timesteps": [float(t) for t in pipe.scheduler.timesteps],
            "saturated_fraction": float(np.mean((frames_u8 == 0) | (frames_u8 == 255)))}


def main():
    from diffusers import HunyuanVideo15ImageToVideoPipeline
    torch.set_num_threads(2)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    w = Writer(OUT)
    pipe = HunyuanVideo15ImageToVideoPipeline.from_pretrained(SRC, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    doc = {"format": "each tensor: raw little-endian, row-major; 'tensors' maps name -> {file, dtype, shape}",
           "source": "diffusers HunyuanVideo15ImageToVideoPipeline (pinned commit), unchanged, on "
                     "work/tiny-src/hunyuan-i2v; transformers 5.17 (SiglipImageProcessor run as its PIL backend)",
           "frames_u8_layout": "[batch, frame, height, width, rgb]; u8 = round(v * 255) of output_type np",
           "cases": {}}
    for name, case in CASES.items():
        doc["cases"][name] = reference(pipe, name, case, w)
        print(name, doc["cases"][name])
    w.write_index(doc)


if __name__ == "__main__":
    main()
