#!/usr/bin/env python3
"""Reference outputs for the tiny Wan image-to-video packages, from diffusers' own pipelines, and a replay of
the engine's conditioning and loop on the exported ONNX files.

Reference = ``WanImageToVideoPipeline.__call__`` (Wan 2.1 I2V, FLF2V; Wan 2.2 I2V-A14B with two experts,
``boundary_ratio`` and ``guidance_scale_2``; Wan 2.2 TI2V-5B with ``expand_timesteps``) and ``WanPipeline(expand_timesteps=True)`` (TI2V text-only), run unchanged on the
tiny diffusers folders of make_tiny_wan_i2v.py with transformers' ``UMT5EncoderModel``,
``T5TokenizerFast``, ``CLIPVisionModel`` and ``CLIPImageProcessor``. Its intermediate values are
recorded by wrapping the pipeline's own methods (nothing is re-implemented): the preprocessed images
(``video_processor.preprocess``), the CLIP pixel values and image embeddings (``encode_image``), the noise,
condition latents and mask (``prepare_latents``), every step's latents (``callback_on_step_end``), the
latents the VAE decodes and the 8-bit frames.

Replay = the engine contract of models/export/README.md ("Image conditioning") on the package files with
ONNX Runtime, starting from the recorded preprocessed images; it must meet the tolerances the Java tests
use. Also written: the image preprocessing references (PIL) for a set of sizes, aspect ratios and fit
modes. Needs transformers (requirements-reference.txt); run after make_tiny_wan_i2v.py from the
repository root:

    python models/export/make_wan_i2v_reference.py
"""
import json
import os
import shutil
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from kinoexport.wan import verify  # noqa: E402
from kinoexport.common.reference import Writer  # noqa: E402

SRC = os.path.join(HERE, "work", "tiny-src")
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "wan-i2v"))
PROMPT, NEGATIVE, SEED, STEPS = "A red fox runs through fresh snow at dawn.", "", 42, 4
TOL_STEP_LATENTS, TOL_EMBEDS = 1e-4, 1e-4
# (case name, source folder, package, images, width, height, frames, guidance: one scale, or (high, low) per
# expert: diffusers' guidance_scale and guidance_scale_2, Kino's per-expert manifest defaults)
CASES = [("i2v", "wan21-i2v", "tiny-wan21-i2v", ["first"], 48, 32, 9, 5.0),
         ("flf2v", "wan21-flf2v", "tiny-wan21-flf2v", ["first", "last"], 48, 32, 9, 5.0),
         ("ti2v", "wan22-ti2v", "tiny-wan22-ti2v", ["first"], 64, 32, 9, 5.0),
         ("ti2v-text", "wan22-ti2v", "tiny-wan22-ti2v", [], 64, 32, 9, 5.0),
         ("i2v-a14b", "wan22-i2v-a14b", "tiny-wan22-i2v-a14b", ["first"], 48, 32, 9, (4.0, 3.0)),
         ("i2v-a14b-last", "wan22-i2v-a14b", "tiny-wan22-i2v-a14b", ["first", "last"], 48, 32, 9, (4.0, 3.0))]


def test_image(w, h, seed, alpha=False):
    """Smooth gradients, a disc and a few hard edges (resampling filters differ most at edges)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([255 * x / max(w - 1, 1), 255 * y / max(h - 1, 1), 128 + 100 * np.sin(x / 3 + y / 5)], -1)
    cx, cy, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h, 0.25 * min(w, h)
    img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.integers(0, 256, 3)
    img[:, w // 7: w // 7 + max(1, w // 20)] = 255
    img[h // 5: h // 5 + max(1, h // 20), :] = 0
    img = np.clip(img, 0, 255).astype(np.uint8)
    if alpha:
        a = (255 * (x / max(w - 1, 1))).astype(np.uint8)[..., None]
        return Image.fromarray(np.concatenate([img, a], -1), "RGBA")
    return Image.fromarray(img, "RGB")


def load_image(path):
    """diffusers.utils.load_image: PIL open, EXIF transpose, convert('RGB') (alpha dropped, not composited)."""
    import PIL.ImageOps
    return PIL.ImageOps.exif_transpose(Image.open(path)).convert("RGB")


def write_images(w):
    folder = os.path.join(OUT, "reference", "images")
    os.makedirs(folder, exist_ok=True)
    specs = {"first": (64, 40, 1, False), "last": (40, 64, 2, False), "portrait": (23, 37, 3, False),
             "large_rgba": (320, 240, 4, True)}
    for name, (iw, ih, seed, alpha) in specs.items():
        test_image(iw, ih, seed, alpha).save(os.path.join(folder, f"{name}.png"))
    return {k: f"images/{k}.png" for k in specs}


def preprocessing_references(w, images):
    """PIL results the Java preprocessing must match: VideoProcessor.preprocess (lanczos to the target, modes
    default = stretch, crop, fill) as 8-bit RGB before the float conversion, and CLIPImageProcessor
    (bicubic shortest edge 224, centre crop 224) as 8-bit RGB before rescale/normalise."""
    from diffusers.video_processor import VideoProcessor
    from transformers import CLIPImageProcessor
    vp = VideoProcessor(vae_scale_factor=8)
    clip_proc = CLIPImageProcessor.from_pretrained(os.path.join(SRC, "wan21-i2v", "image_processor"))
    index = {"video_processor": [], "clip": []}
    for name, rel in images.items():
        img = load_image(os.path.join(OUT, "reference", rel))
        for tw, th in ((48, 32), (32, 48), (64, 64)):
            for mode in ("default", "crop", "fill"):
                out = np.asarray(vp.resize(img, th, tw, resize_mode=mode).convert("RGB"))
                key = f"pre/video/{name}/{tw}x{th}/{mode}"
                w(key, out)
                t = vp.preprocess(img, height=th, width=tw, resize_mode=mode)      # the float tensor, to check
                assert np.array_equal(np.rint((t[0].permute(1, 2, 0).numpy() + 1) * 127.5).astype(np.uint8), out)
                index["video_processor"].append({"image": name, "width": tw, "height": th, "mode": mode,
                                                 "rgb_u8": key})
        # transformers: resize (PIL, uint8) -> centre crop -> rescale -> normalise; the uint8 crop is
        # recovered exactly from pixel_values by inverting the float ops and rounding
        pv = clip_proc(images=img, return_tensors="np").pixel_values[0]
        mean = np.array(clip_proc.image_mean, np.float32)[:, None, None]
        std = np.array(clip_proc.image_std, np.float32)[:, None, None]
        u8 = np.rint((pv * std + mean) * 255).astype(np.uint8).transpose(1, 2, 0)
        w(f"pre/clip/{name}", u8)
        index["clip"].append({"image": name, "rgb_u8": f"pre/clip/{name}"})
    return index


class Recorder:
    """Wraps pipeline methods to keep their outputs."""

    def __init__(self, pipe):
        self.data = {"preprocessed": [], "steps": []}
        self._wrap(pipe, "prepare_latents", self._latents)
        self._wrap(pipe.video_processor, "preprocess", lambda out: self.data["preprocessed"].append(out.clone()))
        if getattr(pipe, "image_encoder", None) is not None:
            self._wrap(pipe, "encode_image", lambda out: self.data.__setitem__("image_embeds", out.clone()))
        self._wrap(pipe, "encode_prompt", lambda out: self.data.__setitem__("prompt_embeds", out))
        self._wrap(pipe.vae, "decode", lambda out: None, record_input=True)

    def _wrap(self, obj, name, keep, record_input=False):
        original = getattr(obj, name)

        def wrapped(*args, **kwargs):
            if record_input:
                self.data["decoded_latents"] = args[0].clone()
            out = original(*args, **kwargs)
            keep(out)
            return out
        setattr(obj, name, wrapped)

    def _latents(self, out):
        if isinstance(out, tuple) and len(out) == 3:
            self.data.update(noise=out[0].clone(), condition=out[1].clone(), first_frame_mask=out[2].clone())
        elif isinstance(out, tuple):
            self.data.update(noise=out[0].clone(), condition=out[1].clone())
        else:
            self.data.update(noise=out.clone())

    def step(self, pipe, i, t, kwargs):
        self.data["steps"].append((float(t), kwargs["latents"].clone()))
        return {}


def load_pipeline(folder, with_image):
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanImageToVideoPipeline, WanPipeline, \
        WanTransformer3DModel
    from transformers import AutoTokenizer, CLIPImageProcessor, CLIPVisionModel, UMT5EncoderModel
    from kinoexport.common.package import load_real     # diffusers' from_pretrained wants accelerate for fp32-kept modules
    import types
    from diffusers.pipelines.wan import pipeline_wan, pipeline_wan_i2v
    for module in (pipeline_wan, pipeline_wan_i2v):
        # is_ftfy_available() answers True here without ftfy being importable; ftfy.fix_text leaves this
        # ASCII prompt unchanged, and Kino does not run it (README, "For the engine")
        module.ftfy = types.SimpleNamespace(fix_text=lambda text: text)
    index = json.load(open(os.path.join(folder, "model_index.json")))
    parts = dict(tokenizer=AutoTokenizer.from_pretrained(os.path.join(folder, "tokenizer")),
                 text_encoder=UMT5EncoderModel.from_pretrained(os.path.join(folder, "text_encoder")).eval(),
                 vae=load_real(AutoencoderKLWan, os.path.join(folder, "vae")),
                 scheduler=UniPCMultistepScheduler.from_pretrained(os.path.join(folder, "scheduler")),
                 transformer=load_real(WanTransformer3DModel, os.path.join(folder, "transformer")))
    expand = bool(index.get("expand_timesteps"))
    if os.path.isdir(os.path.join(folder, "transformer_2")):      # Wan 2.2 A14B: the low-noise expert
        parts["transformer_2"] = load_real(WanTransformer3DModel, os.path.join(folder, "transformer_2"))
    if not with_image:
        return WanPipeline(**parts, expand_timesteps=expand)
    if os.path.isdir(os.path.join(folder, "image_encoder")):
        parts["image_encoder"] = CLIPVisionModel.from_pretrained(os.path.join(folder, "image_encoder")).eval()
        parts["image_processor"] = CLIPImageProcessor.from_pretrained(os.path.join(folder, "image_processor"))
    return WanImageToVideoPipeline(**parts, boundary_ratio=index.get("boundary_ratio"), expand_timesteps=expand)


@torch.no_grad()
def reference(case, images, w):
    name, src, package, image_names, width, height, frames, guidance = case
    pipe = load_pipeline(os.path.join(SRC, src), bool(image_names))
    pipe.set_progress_bar_config(disable=True)
    rec = Recorder(pipe)
    kwargs = dict(prompt=PROMPT, negative_prompt=NEGATIVE, height=height, width=width, num_frames=frames,
                  num_inference_steps=STEPS, output_type="np",
                  generator=torch.Generator("cpu").manual_seed(SEED), callback_on_step_end=rec.step)
    if isinstance(guidance, tuple):
        kwargs.update(guidance_scale=guidance[0], guidance_scale_2=guidance[1])
    else:
        kwargs["guidance_scale"] = guidance
    pil = [load_image(os.path.join(OUT, "reference", images[n])) for n in image_names]
    if pil:
        kwargs["image"] = pil[0]
    if len(pil) > 1:
        kwargs["last_image"] = pil[1]
    frames_f = pipe(**kwargs).frames
    d, p = rec.data, f"cases/{name}"
    for i, img in enumerate(d["preprocessed"]):
        w(f"{p}/preprocessed_{image_names[i]}", img.numpy())
    if "image_embeds" in d:
        w(f"{p}/image_embeds", d["image_embeds"].numpy())
        d["pixel_values_np"] = pipe.image_processor(images=pil, return_tensors="pt").pixel_values.numpy()
        if len(pil) == 1:     # 600 KB per image: one case is enough to test the normalisation
            w(f"{p}/pixel_values", d["pixel_values_np"])
    w(f"{p}/prompt_embeds", torch.cat([d["prompt_embeds"][1], d["prompt_embeds"][0]]).numpy())   # [uncond, cond]
    w(f"{p}/noise", d["noise"].numpy())
    for key in ("condition", "first_frame_mask"):
        if key in d:
            w(f"{p}/{key}", d[key].numpy())
    for i, (_, lat) in enumerate(d["steps"]):
        w(f"{p}/latents_{i}", lat.numpy())
    w(f"{p}/decoded_latents", d["decoded_latents"].numpy())
    frames_u8 = (frames_f * 255).round().astype(np.uint8)
    w(f"{p}/frames_u8", frames_u8)
    return {"package": package, "images": image_names, "width": width, "height": height, "frames": frames,
            "guidance": list(guidance) if isinstance(guidance, tuple) else guidance, "timesteps": [t for t, _ in d["steps"]]}, d, frames_u8


def replay(case, d, ref_frames):
    """The engine contract on the ONNX files (batch 2 [uncond, cond], chunked VAE encoder and decoder)."""
    from diffusers import UniPCMultistepScheduler
    name, src, package, image_names, width, height, frames, guidance = case
    pkg = os.path.join(OUT, package)
    m = json.load(open(os.path.join(pkg, "kino.json")))
    cond = m.get("conditioning")
    zc, tc, sc = m["latent"]["channels"], m["latent"]["temporal_compression"], m["latent"]["spatial_compression"]
    lf, lh, lw = (frames - 1) // tc + 1, height // sc, width // sc
    mean = np.array(m["vae"]["latents_mean"], np.float32).reshape(1, -1, 1, 1, 1)
    inv_std = (np.float32(1.0) / np.array(m["vae"]["latents_std"], np.float32)).reshape(1, -1, 1, 1, 1)
    ctx = np.concatenate([d["prompt_embeds"][1].numpy(), d["prompt_embeds"][0].numpy()])     # [uncond, cond]
    feeds, errors = {}, {}
    per_frame = m["denoiser"].get("timestep_per_frame", False)
    condition = None
    if image_names:
        imgs = [x.numpy()[:, :, None] for x in d["preprocessed"]]            # [1, 3, 1, H, W] each
        if cond["mode"] == "expand_timesteps":
            video = imgs[0]
        else:
            zeros = np.zeros((1, 3, frames - len(imgs), height, width), np.float32)
            video = np.concatenate([imgs[0], zeros] + imgs[1:], axis=2)
        enc = cond["vae_encoder"]
        latent = verify.run_vae_encoder_graphs(verify.session(os.path.join(pkg, enc["file"])),
                                               verify.session(os.path.join(pkg, enc["next_file"])), video,
                                               len(enc["cache_inputs"]))
        condition = ((latent - mean) * inv_std).astype(np.float32)
        if cond["mode"] == "concat":
            # channel c of latent frame f is video frame 4f + c - 3 (frame 0 repeated 4 times in front):
            # the first latent frame is all ones, a last image sets only the last channel of the last one
            mask = np.zeros((1, tc, lf, lh, lw), np.float32)
            mask[:, :, 0] = 1
            if len(imgs) > 1:
                mask[:, tc - 1, -1] = 1
            condition = np.concatenate([mask, condition], axis=1)
        ref_cond = d["condition"].numpy()
        errors["condition"] = verify.rel(condition, ref_cond)
        if "image_encoder" in cond:
            ie = cond["image_encoder"]
            sess = verify.session(os.path.join(pkg, ie["file"]))
            pv = np.concatenate([sess.run(None, {ie["input"]: d_pv[None]})[0] for d_pv in d["pixel_values_np"]], 1)
            errors["image_embeds"] = verify.rel(pv, d["image_embeds"].numpy().reshape(pv.shape))
            feeds[ie["denoiser_input"]] = np.concatenate([pv, pv])
    # experts (Wan 2.2 A14B): expert i serves t >= boundary_ratio_i * num_train_timesteps, with its guidance
    experts = m["denoiser"].get("experts") or [{"file": m["denoiser"]["file"], "boundary_ratio": 0.0}]
    scales = guidance if isinstance(guidance, tuple) else (guidance,) * len(experts)
    sessions = [verify.session(os.path.join(pkg, e["file"])) for e in experts]
    sched = UniPCMultistepScheduler.from_config(m["scheduler"])
    sched.set_timesteps(STEPS)
    sched.set_begin_index(0)
    latents = d["noise"].numpy()
    worst, used = 0.0, []
    for i, t in enumerate(sched.timesteps):
        e = next(k for k, x in enumerate(experts) if t >= x["boundary_ratio"] * m["scheduler"]["num_train_timesteps"])
        sess, g = sessions[e], np.float32(scales[e])
        used.append(e)
        if condition is not None and cond["mode"] == "expand_timesteps":
            x = latents.copy()
            x[:, :, 0] = condition[:, :, 0]
            ts = np.full((2, lf), float(t), np.float32)
            ts[:, 0] = 0
        else:
            x = latents if condition is None else np.concatenate([latents, condition], axis=1)
            ts = np.full((2, lf), float(t), np.float32) if per_frame else np.full(2, float(t), np.float32)
        out = sess.run(None, {"hidden_states": np.concatenate([x, x]), "timestep": ts,
                              "encoder_hidden_states": ctx, **feeds})[0]
        noise_pred = out[:1] + g * (out[1:] - out[:1])
        latents = sched.step(torch.from_numpy(noise_pred), t, torch.from_numpy(latents), return_dict=False)[0].numpy()
        worst = max(worst, verify.rel(latents, d["steps"][i][1].numpy()))
    errors["step_latents"] = worst
    if len(experts) > 1:
        errors["experts_per_step"] = used
    if condition is not None and cond["mode"] == "expand_timesteps":
        latents[:, :, 0] = condition[:, :, 0]
    z = (latents / inv_std + mean).astype(np.float32)
    errors["decoded_latents"] = verify.rel(z, d["decoded_latents"].numpy())
    video = verify.run_vae_graphs(verify.session(os.path.join(pkg, m["vae"]["file"])),
                                  verify.session(os.path.join(pkg, m["vae"]["next_file"])), z,
                                  len(m["vae"]["cache_inputs"]))
    f8 = np.rint(np.clip(video * np.float32(0.5) + np.float32(0.5), 0, 1) * np.float32(255)).astype(np.uint8)
    errors["frames_u8_max_diff"] = int(np.abs(f8.transpose(0, 2, 3, 4, 1).astype(int) - ref_frames.astype(int)).max())
    return errors


def main():
    ref_dir = os.path.join(OUT, "reference")
    shutil.rmtree(ref_dir, ignore_errors=True)
    w = Writer(ref_dir)
    images = write_images(w)
    doc = {"format": "each tensor: raw little-endian, row-major; 'tensors' maps name -> {file, dtype, shape}",
           "prompt": PROMPT, "negative_prompt": NEGATIVE, "seed": SEED, "steps": STEPS, "images": images,
           "tolerances": {"per_step_latents": f"max abs diff <= {TOL_STEP_LATENTS} * max|ref|",
                          "condition, image_embeds, prompt_embeds": f"max abs diff <= {TOL_EMBEDS} * max|ref|",
                          "frames_u8": "max abs diff <= 1 (of 255)"},
           "preprocessing": preprocessing_references(w, images), "cases": {}}
    for case in CASES:
        info, d, ref_frames = reference(case, images, w)
        errors = replay(case, d, ref_frames)
        info["replay"] = errors
        doc["cases"][case[0]] = info
        print(f"{case[0]}: timesteps {info['timesteps']} | replay {errors}", flush=True)
        assert errors.get("step_latents", 0) <= TOL_STEP_LATENTS and errors["frames_u8_max_diff"] <= 1, case[0]
        assert all(v <= TOL_EMBEDS for k, v in errors.items() if k in ("condition", "image_embeds")), case[0]
        if "experts_per_step" in errors:        # the case must switch experts, or it tests only one of them
            assert len(set(errors["experts_per_step"])) > 1, case[0]
    w.write_index(doc)


if __name__ == "__main__":
    main()
