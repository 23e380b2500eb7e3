#!/usr/bin/env python3
"""Reference outputs for the tiny HunyuanVideo 1.5 package, from diffusers' own ``HunyuanVideo15Pipeline``.

The pipeline is loaded from the tiny diffusers folder (make_tiny_hunyuan.py) with ``from_pretrained`` and called
unchanged, text-to-video, with and without quoted text in the prompt: transformers' ``Qwen2Tokenizer`` (chat
template, padding to 1000 + 108), ``Qwen2_5_VLTextModel`` (hidden state -3, first 108 positions cropped),
``ByT5Tokenizer`` + ``T5EncoderModel`` on the quoted text, the guider, the flow-matching scheduler, the
transformer, the VAE and the video processor all run as the pipeline calls them. Two read-only taps record what
passes: ``encode_prompt``'s results (both encoders' embeddings and masks, prompt and negative prompt) and every
``scheduler.step``'s output (the latents after each step). Frames are the pipeline's ``output_type="np"``.

    cd models/export && ../.venv/bin/python make_hunyuan_reference.py# needs transformers (requirements-reference.txt)
"""
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from kinoexport.common.reference import Writer  # noqa: E402

SRC = os.path.join(HERE, "work", "tiny-src", "hunyuan")
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "hunyuan"))
SEED = 42
# name: prompt, width, height, frames, steps
CASES = {"fox": ("A red fox runs through fresh snow at dawn", 64, 64, 5, 3),
         "sign": ("a neon sign reads \"OPEN\" above a small shop, then \u201cCLOSED\u201d", 64, 48, 9, 2)}


def load_pipeline():
    from diffusers import HunyuanVideo15Pipeline
    pipe = HunyuanVideo15Pipeline.from_pretrained(SRC, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@torch.no_grad()
def reference(pipe, name, case, w):
    prompt, width, height, frames, steps = case
    encoded, latents = [], []
    encode_prompt, step = pipe.encode_prompt, pipe.scheduler.step

    def tap_encode(*a, **kw):
        out = encode_prompt(*a, **kw)
        encoded.append([t.clone() for t in out])
        return out

    def tap_step(*a, **kw):
        out = step(*a, **kw)
        latents.append(out[0].clone())
        return out

    pipe.encode_prompt, pipe.scheduler.step = tap_encode, tap_step
    try:
        video = pipe(prompt=prompt, width=width, height=height, num_frames=frames, num_inference_steps=steps,
                     generator=torch.Generator("cpu").manual_seed(SEED), output_type="np").frames
    finally:
        del pipe.encode_prompt, pipe.scheduler.step
    for which, (emb, mask, emb2, mask2) in zip(("cond", "uncond"), encoded):
        w(f"{name}/{which}/prompt_embeds", emb.float().numpy())
        w(f"{name}/{which}/prompt_embeds_mask", mask.long().numpy())
        w(f"{name}/{which}/prompt_embeds_2", emb2.float().numpy())
        w(f"{name}/{which}/prompt_embeds_mask_2", mask2.long().numpy())
    for i, lat in enumerate(latents):
        w(f"{name}/latents_{i}", lat.numpy())
    frames_u8 = (np.asarray(video) * 255).round().astype(np.uint8)
    w(f"{name}/frames_u8", frames_u8)
    return {"prompt": prompt, "negative_prompt": "", "guidance": float(pipe.guider.guidance_scale), "width": width,
            "height": height, "frames": frames, "steps": steps, "seed": SEED,
            "timesteps": [float(t) for t in pipe.scheduler.timesteps],
            "quoted_text_tokens": int(encoded[0][3].sum()),
            "saturated_fraction": float(np.mean((frames_u8 == 0) | (frames_u8 == 255)))}


def main():
    torch.set_num_threads(2)
    ref_dir = os.path.join(OUT, "reference")
    shutil.rmtree(ref_dir, ignore_errors=True)
    w = Writer(ref_dir)
    pipe = load_pipeline()
    doc = {"format": "each tensor: raw little-endian, row-major; 'tensors' maps name -> {file, dtype, shape}",
           "source": "diffusers HunyuanVideo15Pipeline (pinned commit), unchanged, on work/tiny-src/hunyuan",
           "frames_u8_layout": "[batch, frame, height, width, rgb]; u8 = round(v * 255) of output_type np",
           "cases": {}}
    for name, case in CASES.items():
        doc["cases"][name] = reference(pipe, name, case, w)
        print(name, doc["cases"][name])
    w.write_index(doc)


if __name__ == "__main__":
    main()
