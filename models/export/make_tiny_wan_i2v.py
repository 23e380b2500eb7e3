#!/usr/bin/env python3
"""Builds tiny random-weight Wan image-to-video models in the diffusers layout and exports them as test packages.

The models are the real classes at small sizes (the T2V sizes of make_tiny_wan.py): diffusers'
``WanTransformer3DModel`` and ``AutoencoderKLWan``, transformers' ``CLIPVisionModel`` layout written by
Kino's own tower (kinoexport/wan/clip.py, HuggingFace names and config), Kino's UMT5 encoder and the tiny
SentencePiece tokenizer. Folders (diffusers layout, scratch, under work/tiny-src/):

* ``wan21-i2v``   WanImageToVideoPipeline, Wan 2.1 I2V design: CLIP image encoder (224 px input as the real
                  one, patch 32: 50 tokens of width 24), 36-channel transformer with image cross-attention;
* ``wan21-flf2v`` the same with ``pos_embed_seq_len`` = 2 x 50 (FLF2V: first and last frame);
* ``wan22-ti2v``  WanPipeline with ``expand_timesteps`` (Wan 2.2 TI2V-5B design): no image encoder,
                  48-channel transformer, the Wan 2.2 VAE (residual blocks, patch 2, 48 latent channels,
                  16x spatial compression);
* ``wan22-i2v-a14b`` WanImageToVideoPipeline, Wan 2.2 I2V-A14B design: no image encoder, two 36-channel
                  experts (``transformer`` high noise, ``transformer_2`` low noise) switched at the real
                  ``boundary_ratio`` 0.9, the Wan 2.1 VAE; exported with guidance 4.0 / 3.0 per expert.

Each is exported with ``export_wan.py --verify`` into engine/core/src/test/resources/wan-i2v/tiny-<name>
(``--sources-only``: the diffusers folders alone, e.g. to rerun make_wan_i2v_reference.py on the committed
packages).

    python models/export/make_tiny_wan_i2v.py [wan21-i2v wan21-flf2v wan22-ti2v wan22-i2v-a14b]  # default: all
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_tiny_wan as t2v  # noqa: E402
from kinoexport.wan import manifest  # noqa: E402
from kinoexport.wan.clip import IMAGE_MEAN, IMAGE_STD, CLIPVisionConfig, CLIPVisionTower  # noqa: E402
from kinoexport.common.umt5 import UMT5Config, UMT5Encoder  # noqa: E402

SRC = os.path.join(HERE, "work", "tiny-src")
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "wan-i2v"))

# CLIP ViT-H/14 layout at 224 px (so the engine's preprocessing is the real one), tiny width and depth;
# 3 layers of which the exported tower runs 2 (hidden_states[-2])
CLIP = dict(hidden_size=24, intermediate_size=48, num_attention_heads=2, num_hidden_layers=3, image_size=224,
            patch_size=32, hidden_act="gelu", layer_norm_eps=1e-5)
# transformers' CLIPImageProcessor as the Wan 2.1 I2V folders ship it
PREPROCESSOR = {"crop_size": {"height": 224, "width": 224}, "do_center_crop": True, "do_convert_rgb": True,
                "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": IMAGE_MEAN,
                "image_std": IMAGE_STD, "image_processor_type": "CLIPImageProcessor", "resample": 3,
                "rescale_factor": 1 / 255, "size": {"shortest_edge": 224}}
# Wan 2.2 VAE design (is_residual, patch 2, z 48) at narrow widths
VAE22 = dict(base_dim=8, decoder_base_dim=12, z_dim=48, dim_mult=[1, 2, 2, 2], num_res_blocks=1, attn_scales=[],
             temperal_downsample=[False, True, True], is_residual=True, in_channels=12, out_channels=12,
             patch_size=2, scale_factor_spatial=16, scale_factor_temporal=4,
             # per-channel statistics of the 48 latent channels (the real ones are in the 2.2 VAE's config):
             # fixed values of the real magnitudes, so the (de)normalisation is exercised per channel
             latents_mean=[round(0.9 * ((7 * c) % 17 / 8.0 - 1.0), 4) for c in range(48)],
             latents_std=[round(0.6 + (5 * c) % 11 / 4.0, 4) for c in range(48)])


def text_parts(root):
    vocab = t2v.train_tokenizer(os.path.join(root, "tokenizer"))
    torch.manual_seed(20250101)
    cfg = UMT5Config(vocab_size=vocab, **t2v.TEXT)
    os.makedirs(os.path.join(root, "text_encoder"), exist_ok=True)
    save_file({k: v.contiguous() for k, v in UMT5Encoder(cfg).state_dict().items()},
              os.path.join(root, "text_encoder", "model.safetensors"), metadata={"format": "pt"})
    json.dump(cfg.to_hf_dict(), open(os.path.join(root, "text_encoder", "config.json"), "w"), indent=2)


def image_encoder(root, seed):
    """CLIPVisionModel weights (every layer and post_layernorm, as a real checkpoint has them) + config."""
    cfg = CLIPVisionConfig(**CLIP)
    torch.manual_seed(seed)
    # a tower built for one layer more runs all cfg.num_layers layers: the whole checkpoint's encoder
    weights = dict(CLIPVisionTower(CLIPVisionConfig(**{**CLIP, "num_hidden_layers": cfg.num_layers + 1})).state_dict())
    weights["vision_model.post_layernorm.weight"] = torch.ones(cfg.hidden_size)
    weights["vision_model.post_layernorm.bias"] = torch.zeros(cfg.hidden_size)
    with torch.no_grad():    # random, not the init's zeros/ones: the test must see every weight
        for k, v in weights.items():
            if "norm" in k or "class_embedding" in k:
                v.add_(0.1 * torch.randn(v.shape))
    folder = os.path.join(root, "image_encoder")
    os.makedirs(folder, exist_ok=True)
    save_file({k: v.contiguous() for k, v in weights.items()}, os.path.join(folder, "model.safetensors"),
              metadata={"format": "pt"})
    json.dump(cfg.to_hf_dict(), open(os.path.join(folder, "config.json"), "w"), indent=2)
    os.makedirs(os.path.join(root, "image_processor"), exist_ok=True)
    json.dump(PREPROCESSOR, open(os.path.join(root, "image_processor", "preprocessor_config.json"), "w"), indent=2)
    return cfg


def build(name, *, kind):
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanTransformer3DModel
    root = os.path.join(SRC, name)
    os.makedirs(root, exist_ok=True)
    text_parts(root)
    index = {"_diffusers_version": "0.40.0.dev0", "scheduler": ["diffusers", "UniPCMultistepScheduler"],
             "text_encoder": ["transformers", "UMT5EncoderModel"], "tokenizer": ["transformers", "T5TokenizerFast"],
             "transformer": ["diffusers", "WanTransformer3DModel"], "vae": ["diffusers", "AutoencoderKLWan"]}
    torch.manual_seed(20250202)
    if kind == "ti2v":
        transformer = WanTransformer3DModel(**{**t2v.TRANSFORMER, "in_channels": 48, "out_channels": 48})
        vae = AutoencoderKLWan(**VAE22)
        index.update({"_class_name": "WanPipeline", "expand_timesteps": True, "boundary_ratio": None})
    elif kind == "a14b":
        # as Wan-AI/Wan2.2-I2V-A14B-Diffusers: no image encoder (latent conditioning only), two experts
        transformer = WanTransformer3DModel(**{**t2v.TRANSFORMER, "in_channels": 36})
        torch.manual_seed(20250404)
        WanTransformer3DModel(**{**t2v.TRANSFORMER, "in_channels": 36}).save_pretrained(os.path.join(root, "transformer_2"))
        vae = AutoencoderKLWan(**t2v.VAE)
        index.update({"_class_name": "WanImageToVideoPipeline", "image_encoder": [None, None],
                      "image_processor": [None, None], "transformer_2": ["diffusers", "WanTransformer3DModel"],
                      "boundary_ratio": 0.9, "expand_timesteps": False})
    else:
        clip_cfg = image_encoder(root, 20250303)
        inner = t2v.TRANSFORMER["num_attention_heads"] * t2v.TRANSFORMER["attention_head_dim"]
        extra = {"pos_embed_seq_len": 2 * clip_cfg.tokens} if kind == "flf2v" else {}
        transformer = WanTransformer3DModel(**{**t2v.TRANSFORMER, "in_channels": 36}, image_dim=clip_cfg.hidden_size,
                                            added_kv_proj_dim=inner, **extra)
        if kind == "flf2v":
            with torch.no_grad():
                transformer.condition_embedder.image_embedder.pos_embed.normal_(0, 0.5)
        vae = AutoencoderKLWan(**t2v.VAE)
        index.update({"_class_name": "WanImageToVideoPipeline",
                      "image_encoder": ["transformers", "CLIPVisionModel"],
                      "image_processor": ["transformers", "CLIPImageProcessor"],
                      "boundary_ratio": None, "expand_timesteps": False})
    with torch.no_grad():   # centre the random decoder's output (as make_tiny_wan.py)
        vae.decoder.conv_out.bias.zero_()
    transformer.save_pretrained(os.path.join(root, "transformer"))
    vae.save_pretrained(os.path.join(root, "vae"))
    UniPCMultistepScheduler(**manifest.WAN21_SCHEDULER_ARGS).save_pretrained(os.path.join(root, "scheduler"))
    json.dump(index, open(os.path.join(root, "model_index.json"), "w"), indent=2)
    return root


def main():
    # e.g. wan22-ti2v: rebuild only that one; --sources-only: the diffusers folders make_wan_i2v_reference.py
    # reads, without exporting over the committed packages (the sources are deterministic)
    sources_only = "--sources-only" in sys.argv[1:]
    only = {a for a in sys.argv[1:] if not a.startswith("--")}
    for name, kind in (("wan21-i2v", "i2v"), ("wan21-flf2v", "flf2v"), ("wan22-ti2v", "ti2v"),
                       ("wan22-i2v-a14b", "a14b")):
        if only and name not in only:
            continue
        src = build(name, kind=kind)
        if sources_only:
            continue
        size = ["--width", "64"] if kind == "ti2v" else []      # 16x VAE x patch 2: multiples of 32
        guidance = ["--guidance", "4.0", "--guidance-2", "3.0"] if kind == "a14b" else ["--guidance", "5.0"]
        t2v.export(src, os.path.join(FIXTURES, f"tiny-{name}"), ["--name", f"tiny-{name}", *guidance, *size])


if __name__ == "__main__":
    main()
