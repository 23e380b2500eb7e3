#!/usr/bin/env python3
"""Reference outputs for the tiny Wan packages, and a replay of the engine loop on the exported ONNX files.

Reference = what ``WanPipeline.__call__`` (diffusers, pinned commit) computes, mirrored step by step
because the pipeline class imports transformers: prompt_clean, tokenization to 512 ids (T5 slow-tokenizer
semantics, from the SentencePiece model), the UMT5 encoder (Kino's module; checked against the official
Wan T5 by check_umt5_official.py), Wan's zero-padding of embeddings, ``randn_tensor`` noise from a CPU
``torch.Generator`` seeded with 42, cond and uncond passes of the diffusers ``WanTransformer3DModel``
(original processors), ``uncond + g * (cond - uncond)``, ``scheduler.step``, the latent denormalisation
``latents / (1 / std) + mean``, ``AutoencoderKLWan.decode`` of the whole clip and ``VideoProcessor``.

Replay = the loop of models/export/README.md ("For the engine"), run with ONNX Runtime on the package
files only (batch of 2 [uncond, cond], float32 timesteps, chunked VAE); it must meet the tolerances the
Java tests use. Run after make_tiny_wan.py, from the repository root:

    models/.venv/bin/python models/export/make_wan_reference.py
"""
import json
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from kinoexport.common import onnx_weights as ow  # noqa: E402
from kinoexport.common.reference import Writer  # noqa: E402
from kinoexport.common.tokenizer import encode_with_spiece, prompt_clean  # noqa: E402
from kinoexport.common.umt5 import UMT5Config, UMT5Encoder  # noqa: E402
from kinoexport.wan import verify  # noqa: E402

SRC = os.path.join(HERE, "work", "tiny-src")
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "wan"))
PROMPTS = {"fox": "A red fox runs through fresh snow at dawn.",
           "cats": "  Two cats play   piano in a sunny room "}   # whitespace exercises prompt_clean
NEGATIVE = ""
SEED, STEPS, MAX_LEN = 42, 4, 512
WIDTH, HEIGHT, FRAMES = 48, 32, 9
TOL_LATENTS = 1e-3          # max|kino - ref| <= TOL_LATENTS * max|ref| for final latents
TOL_EMBEDS = 1e-4
# (package, scheduler, prompt, guidance(s), store the float video)
CASES = [("tiny-wan21", "unipc", "fox", [5.0], True), ("tiny-wan21", "unipc", "cats", [5.0], False),
         ("tiny-wan21", "euler", "fox", [5.0], False), ("tiny-wan21", "euler", "cats", [5.0], False),
         ("tiny-wan22", "unipc", "fox", [4.0, 3.0], False)]


def scheduler_for(kind, folder):
    from diffusers import FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler
    if kind == "unipc":   # what the folder ships (= Wan 2.1 diffusers' scheduler_config.json)
        return UniPCMultistepScheduler.from_pretrained(os.path.join(folder, "scheduler"))
    return FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0)


def load_models(folder):
    from diffusers import AutoencoderKLWan, WanTransformer3DModel
    from kinoexport.common.package import load_real
    src = ow.SafetensorsSource(os.path.join(folder, "text_encoder"))
    enc = UMT5Encoder(UMT5Config.from_folder(os.path.join(folder, "text_encoder"))).eval()
    enc.load_state_dict({k: src.get(k) for k in enc.state_dict()})
    experts = [load_real(WanTransformer3DModel, os.path.join(folder, sub))
               for sub in ("transformer", "transformer_2") if os.path.isdir(os.path.join(folder, sub))]
    index = json.load(open(os.path.join(folder, "model_index.json")))
    return enc, experts, load_real(AutoencoderKLWan, os.path.join(folder, "vae")), index.get("boundary_ratio")


@torch.no_grad()
def encode(enc, ids, mask):
    """WanPipeline._get_t5_prompt_embeds: encoder output, then zeros past the real length."""
    ids, mask = torch.tensor(ids), torch.tensor(mask)
    raw = enc(ids, mask)
    seq_lens = mask.gt(0).sum(dim=1).long()
    out = torch.stack([torch.cat([u[:v], u.new_zeros(MAX_LEN - v, u.size(1))]) for u, v in zip(raw, seq_lens)])
    return raw, out


@torch.no_grad()
def reference(case, models, texts, w, prefix):
    from diffusers.utils.torch_utils import randn_tensor
    from diffusers.video_processor import VideoProcessor
    package, sched_kind, prompt, guidance, keep_video = case
    enc, experts, vae, boundary_ratio = models
    sched = scheduler_for(sched_kind, os.path.join(SRC, package.replace("tiny-", "")))
    cond, uncond = texts[prompt][1], texts["negative"][1]
    shape = (1, 16, (FRAMES - 1) // 4 + 1, HEIGHT // 8, WIDTH // 8)
    latents = randn_tensor(shape, generator=torch.Generator("cpu").manual_seed(SEED), device=torch.device("cpu"),
                           dtype=torch.float32)
    w(f"{prefix}/noise", latents.numpy())
    sched.set_timesteps(STEPS, device="cpu")
    timesteps = sched.timesteps
    w(f"{prefix}/timesteps", timesteps.numpy().astype(np.float32))
    sched.set_begin_index(0)
    boundary = boundary_ratio * sched.config.num_train_timesteps if boundary_ratio is not None else None
    used = []
    for i, t in enumerate(timesteps):
        k = 0 if boundary is None or t >= boundary else 1
        used.append(k)
        timestep = t.expand(latents.shape[0])
        c = experts[k](hidden_states=latents, timestep=timestep, encoder_hidden_states=cond, return_dict=False)[0]
        u = experts[k](hidden_states=latents, timestep=timestep, encoder_hidden_states=uncond, return_dict=False)[0]
        noise_pred = u + guidance[k] * (c - u)
        latents = sched.step(noise_pred, t, latents, return_dict=False)[0]
        w(f"{prefix}/noise_pred_{i}", noise_pred.numpy())
        w(f"{prefix}/latents_{i}", latents.numpy())
    w(f"{prefix}/final_latents", latents.numpy())
    mean = torch.tensor(vae.config.latents_mean).view(1, vae.config.z_dim, 1, 1, 1)
    std = 1.0 / torch.tensor(vae.config.latents_std).view(1, vae.config.z_dim, 1, 1, 1)
    z = latents / std + mean
    w(f"{prefix}/denormalized_latents", z.numpy())
    video = vae.decode(z, return_dict=False)[0]
    if keep_video:
        w(f"{prefix}/video", video.numpy())
    frames = VideoProcessor(vae_scale_factor=8).postprocess_video(video, output_type="np")
    frames_u8 = (frames * 255).round().astype(np.uint8)
    w(f"{prefix}/frames_u8", frames_u8)
    saturated = float(np.mean((frames_u8 == 0) | (frames_u8 == 255)))
    return {"scheduler": json.loads(sched.to_json_string()), "expert_per_step": used, "timesteps": [float(t) for t in timesteps],
            "saturated_fraction": saturated}, latents.numpy(), frames_u8


def replay(case, texts_ids, texts, ref_latents, ref_frames):
    """The engine loop of README "For the engine", on the package's ONNX files."""
    from diffusers.utils.torch_utils import randn_tensor
    package, sched_kind, prompt, guidance, _ = case
    pkg = os.path.join(OUT, package)
    m = json.load(open(os.path.join(pkg, "kino.json")))
    te = verify.session(os.path.join(pkg, m["text_encoder"]["file"]))
    experts = m["denoiser"].get("experts") or [{"file": m["denoiser"]["file"], "boundary_ratio": 0.0,
                                                 "guidance": guidance[0]}]
    sessions = [verify.session(os.path.join(pkg, e["file"])) for e in experts]
    ids = np.array([texts_ids["negative"][0][0], texts_ids[prompt][0][0]], np.int64)     # [uncond, cond]
    mask = np.array([texts_ids["negative"][1][0], texts_ids[prompt][1][0]], np.int64)
    raw = te.run(None, {"input_ids": ids, "attention_mask": mask})[0]
    ctx = raw * (np.arange(MAX_LEN)[None, :, None] < mask.sum(1)[:, None, None])          # zero-padding rule
    ctx = ctx.astype(np.float32)
    ref_ctx = np.concatenate([texts["negative"][1].numpy(), texts[prompt][1].numpy()])
    emb_err = float(np.abs(ctx - ref_ctx).max() / np.abs(ref_ctx).max())
    sched = scheduler_for(sched_kind, os.path.join(SRC, package.replace("tiny-", "")))
    shape = (1, 16, (FRAMES - 1) // 4 + 1, HEIGHT // 8, WIDTH // 8)
    latents = randn_tensor(shape, generator=torch.Generator("cpu").manual_seed(SEED), device=torch.device("cpu"),
                           dtype=torch.float32).numpy()
    sched.set_timesteps(STEPS)
    sched.set_begin_index(0)
    for t in sched.timesteps:
        k = next(j for j, e in enumerate(experts)
                 if float(t) >= e["boundary_ratio"] * m["scheduler"]["num_train_timesteps"])
        out = sessions[k].run(None, {"hidden_states": np.concatenate([latents, latents]),
                                     "timestep": np.full(2, float(t), np.float32), "encoder_hidden_states": ctx})[0]
        u, c = out[:1], out[1:]
        g = np.float32(guidance[k])
        noise_pred = u + g * (c - u)
        latents = sched.step(torch.from_numpy(noise_pred), t, torch.from_numpy(latents),
                             return_dict=False)[0].numpy()
    mean = np.array(m["vae"]["latents_mean"], np.float32).reshape(1, -1, 1, 1, 1)
    inv_std = (np.float32(1.0) / np.array(m["vae"]["latents_std"], np.float32)).reshape(1, -1, 1, 1, 1)
    z = (latents / inv_std + mean).astype(np.float32)
    first = verify.session(os.path.join(pkg, m["vae"]["file"]))
    nxt = verify.session(os.path.join(pkg, m["vae"]["next_file"]))
    video = verify.run_vae_graphs(first, nxt, z, len(m["vae"]["cache_inputs"]))
    frames = np.rint(np.clip(video * np.float32(0.5) + np.float32(0.5), 0, 1) * np.float32(255)).astype(np.uint8)
    frames = frames.transpose(0, 2, 3, 4, 1)        # [B, F, H, W, C] like diffusers' np output
    lat_err = float(np.abs(latents - ref_latents).max() / np.abs(ref_latents).max())
    frame_err = int(np.abs(frames.astype(int) - ref_frames.astype(int)).max())
    return emb_err, lat_err, frame_err


def main():
    ref_dir = os.path.join(OUT, "reference")
    shutil.rmtree(ref_dir, ignore_errors=True)
    w = Writer(ref_dir)
    spiece = os.path.join(SRC, "wan21", "tokenizer", "spiece.model")
    texts_ids = {name: encode_with_spiece(spiece, [text], MAX_LEN)
                 for name, text in list(PROMPTS.items()) + [("negative", NEGATIVE)]}
    doc = {"format": "each tensor: raw little-endian, row-major; 'tensors' maps name -> {file, dtype, shape}",
           "prompts": {k: {"text": v, "cleaned": prompt_clean(v),
                           "ids": [i for i, mk in zip(*[x[0] for x in texts_ids[k]]) if mk]}
                       for k, v in list(PROMPTS.items()) + [("negative", NEGATIVE)]},
           "seed": SEED, "steps": STEPS, "width": WIDTH, "height": HEIGHT, "frames": FRAMES,
           "max_length": MAX_LEN, "tolerances": {
               "embeddings": f"max abs diff <= {TOL_EMBEDS} * max|ref|",
               "final_latents": f"max abs diff <= {TOL_LATENTS} * max|ref|",
               "frames_u8": "max abs diff <= 1 (of 255)",
               "token_ids": "exact"},
           "frames_u8_layout": "[batch, frame, height, width, rgb]; u8 = round_half_even(clamp(v/2 + 0.5, 0, 1) * 255)",
           "cases": {}}
    model_cache = {}
    for package in sorted({c[0] for c in CASES}):
        model_cache[package] = load_models(os.path.join(SRC, package.replace("tiny-", "")))
    texts = {}
    enc = model_cache["tiny-wan21"][0]
    for name, (ids, mask) in texts_ids.items():
        raw, embeds = encode(enc, ids, mask)
        texts[name] = (raw, embeds)
        w(f"text/{name}/input_ids", np.array(ids, np.int64))
        w(f"text/{name}/attention_mask", np.array(mask, np.int64))
        w(f"text/{name}/encoder_output", raw.numpy())
        w(f"text/{name}/prompt_embeds", embeds.numpy())
    for package in model_cache:   # same tokenizer and text encoder weights in both folders
        other = model_cache[package][0]
        assert all(torch.equal(a, b) for a, b in zip(enc.state_dict().values(), other.state_dict().values()))
    for case in CASES:
        package, sched_kind, prompt, guidance, _ = case
        prefix = f"{package}/{sched_kind}/{prompt}"
        info, ref_latents, ref_frames = reference(case, model_cache[package], texts, w, prefix)
        emb_err, lat_err, frame_err = replay(case, texts_ids, texts, ref_latents, ref_frames)
        info.update({"replay_embeddings_rel_err": emb_err, "package": package, "prompt": prompt, "negative_prompt": "negative", "guidance": guidance,
                     "replay_final_latents_rel_err": lat_err, "replay_frames_u8_max_diff": frame_err})
        doc["cases"][prefix] = info
        print(f"{prefix}: experts {info['expert_per_step']} timesteps {info['timesteps']} "
              f"saturated {info['saturated_fraction']:.2f} | replay: embeddings {emb_err:.2e}, latents {lat_err:.2e}, "
              f"frames {frame_err}")
        assert emb_err <= TOL_EMBEDS and lat_err <= TOL_LATENTS and frame_err <= 1, prefix
    w.write_index(doc)


if __name__ == "__main__":
    main()
