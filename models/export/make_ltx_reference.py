#!/usr/bin/env python3
"""Reference outputs for the tiny LTX-Video package, and a replay of the engine loop on its ONNX files.

Reference = diffusers' own ``LTXPipeline.__call__`` (pinned commit) on the tiny diffusers folder, with the
real ``LTXVideoTransformer3DModel``, ``AutoencoderKLLTXVideo`` and ``FlowMatchEulerDiscreteScheduler``.
Only the text encoding is done here, because the pipeline's T5 classes come from transformers: the prompt
is tokenized as ``T5TokenizerFast(padding="max_length", max_length=128, truncation=True)`` does (SentencePiece
ids + ``</s>``, no prompt cleaning) and encoded by Kino's T5 v1.1 module with the ids alone (what
``text_encoder(input_ids)`` computes; the module is checked against the official T5 code by
check_umt5_official.py); the embeddings and masks are handed to the pipeline (``prompt_embeds``,
``prompt_attention_mask``, ``negative_*``). Everything else (noise from the CPU generator seeded with 42,
packing, dynamic shift, guidance, Euler steps, unpacking, denormalisation, decode noise drawn from the
same generator, ``vae.decode(latents, decode_timestep)``, VideoProcessor) is the pipeline's code.

Variant cases (``tiny-ltx-distilled/...``, ``tiny-ltx-091/...``; packages = tiny-ltx/ with the variant folder's
files laid over it, see make_tiny_ltx.py):

* distilled: diffusers' ``LTXConditionPipeline.__call__`` text-only (no conditions) with the distilled
  timestep list and guidance 1, and a guided run without a list (its linear-quadratic schedule), prompt
  embeddings of LTXConditionPipeline's 256 tokens;
* 0.9.1 VAE: ``LTXPipeline.__call__`` after ``torch.manual_seed(42)`` with no ``generator``: one global stream
  gives the initial noise, the decode noise and the decoder's injected noise planes. The same run with the
  pipeline's generator seeded alike but the global generator seeded otherwise (only the injected planes
  change) is recorded as ``frames_u8_max_diff_other_injected_noise``: the planes matter.

Replay = the loop of models/export/README.md ("LTX-Video: for the engine") with ONNX Runtime on the
package files only; it must meet the tolerances the Java test uses. From the repository root:

    models/.venv/bin/python models/export/make_ltx_reference.py
"""
import json
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from kinoexport.common import checks as verify, onnx_weights as ow  # noqa: E402
from kinoexport.common.tokenizer import encode_with_spiece  # noqa: E402
from kinoexport.common.umt5 import UMT5Config, UMT5Encoder  # noqa: E402
from kinoexport.common.reference import Writer  # noqa: E402
from kinoexport.ltx.pipelines import ltx_pipeline  # noqa: E402

SRC = os.path.join(HERE, "work", "tiny-src", "ltx")
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "ltx"))
PKG = os.path.join(OUT, "tiny-ltx")
PROMPTS = {"fox": "A red fox runs through fresh snow at dawn.",
           "cats": "Two cats play piano in a sunny room"}
SEED, STEPS, MAX_LEN = 42, 4, 128
TOL_EMBEDS, TOL_LATENTS = 1e-4, 1e-4
# name: prompt, negative (None = the manifest's default), guidance, width, height, frames, fps, steps
CASES = {"fox": ("fox", None, 3.0, 96, 64, 17, 24, 4),
         "cats": ("cats", "", 1.0, 64, 96, 9, 25, 3)}


def load_pipeline(src=SRC, cls=None):
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXVideoTransformer3DModel
    from kinoexport.common.package import load_real
    pipe = (cls or ltx_pipeline())(
        scheduler=FlowMatchEulerDiscreteScheduler.from_pretrained(os.path.join(src, "scheduler")),
        vae=load_real(AutoencoderKLLTXVideo, os.path.join(src, "vae")),
        text_encoder=None, tokenizer=None,
        transformer=load_real(LTXVideoTransformer3DModel, os.path.join(src, "transformer")))
    pipe.set_progress_bar_config(disable=True)
    return pipe


@torch.no_grad()
def encode(texts, max_len=MAX_LEN):
    """LTXPipeline._get_t5_prompt_embeds: ids padded to 128 (LTXConditionPipeline: 256), encoder(ids) with no
    mask; mask returned."""
    enc = UMT5Encoder(UMT5Config.from_folder(os.path.join(SRC, "text_encoder"))).eval()
    src = ow.SafetensorsSource(os.path.join(SRC, "text_encoder"))
    enc.load_state_dict({k: src.get(k) for k in enc.state_dict()})
    ids, masks = encode_with_spiece(os.path.join(SRC, "tokenizer", "spiece.model"), texts, max_len, clean=False)
    ids = torch.tensor(ids)
    return ids, torch.tensor(masks), enc(ids)


@torch.no_grad()
def reference(pipe, name, case, text, w):
    prompt, negative, guidance, width, height, frames, fps, steps = case
    decode_t, decode_s = MANIFEST["vae"]["decode_timestep"], MANIFEST["vae"]["decode_noise_scale"]
    f, h, wd = (frames - 1) // 8 + 1, height // 32, width // 32
    per_step = []

    def on_step(_pipe, i, t, kw):
        per_step.append(pipe._unpack_latents(kw["latents"], f, h, wd, 1, 1).clone())
        return {}

    kwargs = {}
    if guidance > 1:
        kwargs = dict(negative_prompt_embeds=text[negative][2], negative_prompt_attention_mask=text[negative][1])
    video = pipe(prompt_embeds=text[prompt][2], prompt_attention_mask=text[prompt][1], guidance_scale=guidance,
                 width=width, height=height, num_frames=frames, frame_rate=fps, num_inference_steps=steps,
                 generator=torch.Generator("cpu").manual_seed(SEED), decode_timestep=decode_t,
                 decode_noise_scale=decode_s, output_type="np", callback_on_step_end=on_step,
                 callback_on_step_end_tensor_inputs=["latents"], **kwargs).frames
    prefix = f"tiny-ltx/{name}"
    for i, lat in enumerate(per_step):
        w(f"{prefix}/latents_{i}", lat.numpy())
    frames_u8 = (video * 255).round().astype(np.uint8)
    w(f"{prefix}/frames_u8", frames_u8)
    info = {"prompt": prompt, "negative_prompt": negative, "guidance": guidance, "width": width, "height": height,
            "frames": frames, "fps": fps, "steps": steps, "seed": SEED, "decode_timestep": decode_t,
            "decode_noise_scale": decode_s, "timesteps": [float(t) for t in pipe.scheduler.timesteps],
            "sigmas": [float(s) for s in pipe.scheduler.sigmas],
            "saturated_fraction": float(np.mean((frames_u8 == 0) | (frames_u8 == 255)))}
    return info, per_step[-1].numpy(), frames_u8


def replay(case, text, ref_latents, ref_frames):
    """The engine loop of the README, on the package's ONNX files."""
    from diffusers import FlowMatchEulerDiscreteScheduler
    from diffusers.utils.torch_utils import randn_tensor
    prompt, negative, guidance, width, height, frames, fps, steps = case
    m = MANIFEST
    te = verify.session(os.path.join(PKG, m["text_encoder"]["file"]))
    rows = [negative, prompt] if guidance > 1 else [prompt]
    ids = np.concatenate([text[r][0].numpy() for r in rows])
    mask = np.concatenate([text[r][1].numpy() for r in rows]).astype(np.int64)
    ctx = te.run(None, {"input_ids": ids})[0]
    ref_ctx = np.concatenate([text[r][2].numpy() for r in rows])
    emb_err = verify.rel(ctx, ref_ctx)
    f, h, w = (frames - 1) // 8 + 1, height // 32, width // 32
    gen = torch.Generator("cpu").manual_seed(SEED)
    latents = randn_tensor((1, 128, f, h, w), generator=gen, device=torch.device("cpu"), dtype=torch.float32).numpy()
    sched = FlowMatchEulerDiscreteScheduler.from_config(m["scheduler"])
    cfg = m["scheduler"]
    mu = (f * h * w) * (cfg["max_shift"] - cfg["base_shift"]) / (cfg["max_image_seq_len"] - cfg["base_image_seq_len"])
    mu += cfg["base_shift"] - (cfg["max_shift"] - cfg["base_shift"]) / (
        cfg["max_image_seq_len"] - cfg["base_image_seq_len"]) * cfg["base_image_seq_len"]
    sched.set_timesteps(sigmas=np.linspace(1.0, 1 / steps, steps), mu=mu)
    den = verify.session(os.path.join(PKG, m["denoiser"]["file"]))
    for t in sched.timesteps:
        b = len(rows)
        out = den.run(None, {"hidden_states": np.concatenate([latents] * b), "timestep": np.full(b, float(t), np.float32),
                             "encoder_hidden_states": ctx, "encoder_attention_mask": mask,
                             "frame_rate": np.array([fps], np.float32)})[0]
        noise_pred = out[:1] + np.float32(guidance) * (out[1:] - out[:1]) if b == 2 else out
        latents = sched.step(torch.from_numpy(noise_pred), t, torch.from_numpy(latents), return_dict=False)[0].numpy()
    lat_err = verify.rel(latents, ref_latents)
    mean = np.array(m["vae"]["latents_mean"], np.float32).reshape(1, -1, 1, 1, 1)
    std = np.array(m["vae"]["latents_std"], np.float32).reshape(1, -1, 1, 1, 1)
    z = (latents * std / np.float32(m["vae"]["scaling_factor"]) + mean).astype(np.float32)
    noise = randn_tensor(z.shape, generator=gen, device=torch.device("cpu"), dtype=torch.float32).numpy()
    vae = verify.session(os.path.join(PKG, m["vae"]["file"]))

    def decode(scale):
        s = np.float32(scale)
        mixed = ((np.float32(1) - s) * z + s * noise).astype(np.float32)
        video = vae.run(None, {"latent": mixed, "timestep": np.full(1, m["vae"]["decode_timestep"], np.float32)})[0]
        u8 = np.rint(np.clip(video * np.float32(0.5) + np.float32(0.5), 0, 1) * np.float32(255)).astype(np.uint8)
        return np.abs(u8.transpose(0, 2, 3, 4, 1).astype(int) - ref_frames.astype(int)).max()

    # the second number shows the decode noise matters: without it the frames miss the reference
    return emb_err, lat_err, int(decode(m["vae"]["decode_noise_scale"])), int(decode(0.0))


MANIFEST = json.load(open(os.path.join(PKG, "kino.json")))
# variant cases: package folder, prompt, negative, guidance, width, height, frames, fps, steps, use the list
VARIANTS = {"tiny-ltx-distilled/fox": ("ltx-distilled", "fox", "empty", 1.0, 96, 64, 17, 24, 8, True),
            "tiny-ltx-distilled/cats-lq": ("ltx-distilled", "cats", "default_negative", 3.0, 64, 96, 9, 25, 4, False),
            "tiny-ltx-091/fox": ("ltx-091", "fox", "default_negative", 3.0, 96, 64, 17, 24, 4, False)}


@torch.no_grad()
def variant_reference(name, case, texts, w):
    folder, prompt, negative, guidance, width, height, frames, fps, steps, use_list = case
    manifest = json.load(open(os.path.join(OUT, name.split("/")[0], "kino.json")))
    src = os.path.join(os.path.dirname(SRC), folder)
    condition = manifest.get("sampling", {}).get("pipeline") == "LTXConditionPipeline"
    if condition:
        from kinoexport.ltx.pipelines import ltx_condition_module
        pipe = load_pipeline(src, ltx_condition_module().LTXConditionPipeline)
    else:
        pipe = load_pipeline(src)
    ids, masks, embeds = encode([texts[prompt], texts[negative]], manifest["text_encoder"]["max_length"])
    f, h, wd = (frames - 1) // 8 + 1, height // 32, width // 32
    per_step = []

    def on_step(_pipe, i, t, kw):
        per_step.append(pipe._unpack_latents(kw["latents"], f, h, wd, 1, 1).clone())
        return {}

    kwargs = dict(prompt_embeds=embeds[:1], prompt_attention_mask=masks[:1], guidance_scale=guidance, width=width,
                  height=height, num_frames=frames, frame_rate=fps, decode_timestep=manifest["vae"]["decode_timestep"],
                  decode_noise_scale=manifest["vae"]["decode_noise_scale"], output_type="np",
                  callback_on_step_end=on_step, callback_on_step_end_tensor_inputs=["latents"])
    if guidance > 1:
        kwargs.update(negative_prompt_embeds=embeds[1:], negative_prompt_attention_mask=masks[1:])
    if use_list:
        kwargs["timesteps"] = manifest["sampling"]["timesteps"]
    else:
        kwargs["num_inference_steps"] = steps
    extra = {}
    if condition:
        video = pipe(generator=torch.Generator("cpu").manual_seed(SEED), **kwargs).frames
    else:
        # 0.9.1: one global stream, as `torch.manual_seed(42); pipe(...)` without a generator
        torch.manual_seed(SEED)
        video = pipe(generator=None, **kwargs).frames
        latents_ref = [x.clone() for x in per_step]
        per_step.clear()
        torch.manual_seed(SEED + 1)
        other = pipe(generator=torch.Generator("cpu").manual_seed(SEED), **kwargs).frames
        assert all(torch.equal(a, b) for a, b in zip(latents_ref, per_step)), "latents must not change"
        per_step[:] = latents_ref
        extra["frames_u8_max_diff_other_injected_noise"] = int(np.abs(
            (other * 255).round().astype(int) - (video * 255).round().astype(int)).max())
    for i, lat in enumerate(per_step):
        w(f"{name}/latents_{i}", lat.numpy())
    frames_u8 = (video * 255).round().astype(np.uint8)
    w(f"{name}/frames_u8", frames_u8)
    info = {"pipeline": type(pipe).__name__, "prompt": prompt, "negative_prompt": negative, "guidance": guidance,
            "width": width, "height": height, "frames": frames, "fps": fps, "steps": len(per_step), "seed": SEED,
            "global_seed": None if condition else SEED, "timestep_list": use_list,
            "decode_timestep": manifest["vae"]["decode_timestep"],
            "decode_noise_scale": manifest["vae"]["decode_noise_scale"],
            "timesteps": [float(t) for t in pipe.scheduler.timesteps],
            "sigmas": [float(s) for s in pipe.scheduler.sigmas],
            "saturated_fraction": float(np.mean((frames_u8 == 0) | (frames_u8 == 255))), **extra}
    print(f"{name}: {info['pipeline']} timesteps {info['timesteps']} saturated {info['saturated_fraction']:.2f} {extra}")
    return info


def main():
    ref_dir = os.path.join(OUT, "reference")
    shutil.rmtree(ref_dir, ignore_errors=True)
    w = Writer(ref_dir)
    default_negative = MANIFEST["defaults"]["negative_prompt"]
    texts = dict(PROMPTS, default_negative=default_negative, empty="")
    cases = {k: (c[0], "default_negative" if c[1] is None else "empty", *c[2:]) for k, c in CASES.items()}
    ids, masks, embeds = encode(list(texts.values()))
    text = {}
    for i, name in enumerate(texts):
        text[name] = (ids[i:i + 1], masks[i:i + 1], embeds[i:i + 1])
        w(f"text/{name}/input_ids", ids[i:i + 1].numpy())
        w(f"text/{name}/attention_mask", masks[i:i + 1].numpy())
        w(f"text/{name}/prompt_embeds", embeds[i:i + 1].numpy())
    doc = {"format": "each tensor: raw little-endian, row-major; 'tensors' maps name -> {file, dtype, shape}",
           "prompts": {k: {"text": v, "ids": [int(x) for x, mk in zip(text[k][0][0], text[k][1][0]) if mk]}
                       for k, v in texts.items()},
           "max_length": MAX_LEN,
           "tolerances": {"embeddings": f"max abs diff <= {TOL_EMBEDS} * max|ref|",
                          "latents": f"every step: max abs diff <= {TOL_LATENTS} * max|ref|",
                          "frames_u8": "max abs diff <= 1 (of 255)", "token_ids": "exact"},
           "frames_u8_layout": "[batch, frame, height, width, rgb]; u8 = round_half_even(clamp(v/2 + 0.5, 0, 1) * 255)",
           "cases": {}}
    pipe = load_pipeline()
    for name, case in cases.items():
        info, ref_latents, ref_frames = reference(pipe, name, case, text, w)
        emb_err, lat_err, frame_err, no_noise_err = replay(case, text, ref_latents, ref_frames)
        info.update({"replay_embeddings_rel_err": emb_err, "replay_final_latents_rel_err": lat_err,
                     "replay_frames_u8_max_diff": frame_err, "replay_without_decode_noise_frames_u8_max_diff":
                     no_noise_err})
        doc["cases"][f"tiny-ltx/{name}"] = info
        print(f"{name}: timesteps {info['timesteps']} saturated {info['saturated_fraction']:.2f} | replay: "
              f"embeddings {emb_err:.2e}, latents {lat_err:.2e}, frames {frame_err} (without decode noise: "
              f"{no_noise_err})")
        assert emb_err <= TOL_EMBEDS and lat_err <= TOL_LATENTS and frame_err <= 1 < no_noise_err, name
    for name, case in VARIANTS.items():
        doc["cases"][name] = variant_reference(name, case, texts, w)
    w.write_index(doc)


if __name__ == "__main__":
    main()
