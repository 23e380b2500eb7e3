#!/usr/bin/env python3
"""Builds a tiny random-weight LTX-Video model in the diffusers folder layout and exports it as a Kino test package.

The model is the real classes at small sizes: diffusers' ``LTXVideoTransformer3DModel`` (2 layers, 2 heads
of 16: inner dim 32, whose 32 % 6 = 2 unrotated channels exercise the rotary padding as the real 2048 does;
128 latent channels as the real model), ``AutoencoderKLLTXVideo`` in the 0.9.5 decoder layout (timestep
conditioning, residual upsamplers with upsample_factor 2, non-causal decoder, 32x spatial and 8x temporal
compression, random per-channel latents_mean/std), Kino's T5 v1.1 encoder (2 layers, d_model 32, one
shared relative-position bias) saved with HuggingFace names, a SentencePiece Unigram tokenizer trained
here (T5's special ids), and the 0.9.1+ scheduler config (dynamic shift, shift_terminal 0.1).

    cd models/export && ../.venv/bin/python make_tiny_ltx.py      # -> work/tiny-src/ltx, ../../engine/core/src/test/resources/ltx/tiny-ltx

The folder is exported with ``export_ltx.py --verify`` (every graph compared with its PyTorch module at
two shapes; the run fails above 1e-4).

Two variants share its weights and differ in one part each; their fixture folders hold only the files that
differ and an ``OVERLAY`` file naming ``tiny-ltx`` (the test lays them over a copy of ``tiny-ltx/``):

* ``tiny-ltx-distilled/``: the folder as a distilled model's (``LTXConditionPipeline`` in model_index.json, the
  0.9.5+/0.9.7 scheduler config without dynamic shifting): ``kino.json`` with ``sampling`` (pipeline and
  diffusers' distilled timestep list, 8 steps, guidance 1) and the denoiser with LTXConditionPipeline's rotary
  coordinates.
* ``tiny-ltx-091/``: the 0.9.1 VAE layout (``decoder_inject_noise`` True for the up blocks, random per-channel
  noise scales so the injected noise matters): ``kino.json`` with ``vae.injected_noise`` and the decoder graph
  taking the noise planes as inputs.

    python make_tiny_ltx.py [--only base,distilled,vae091]
"""
import argparse
import shutil
import json
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_tiny_wan import export_into, train_tokenizer  # noqa: E402
from kinoexport.common.umt5 import UMT5Config, UMT5Encoder  # noqa: E402

SRC = os.path.join(HERE, "work", "tiny-src", "ltx")
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "ltx"))

TEXT = dict(d_model=32, d_kv=8, d_ff=64, num_heads=4, num_layers=2, relative_attention_num_buckets=32,
            relative_attention_max_distance=128, layer_norm_epsilon=1e-6, model_type="t5")
TRANSFORMER = dict(in_channels=128, out_channels=128, patch_size=1, patch_size_t=1, num_attention_heads=2,
                   attention_head_dim=16, cross_attention_dim=32, num_layers=2, caption_channels=32)
VAE = dict(latent_channels=128, block_out_channels=(8, 16, 32, 32), layers_per_block=(1, 1, 1, 1, 1),
           decoder_block_out_channels=(8, 16, 32), decoder_layers_per_block=(1, 1, 1, 1),
           spatio_temporal_scaling=(True, True, True, False), decoder_spatio_temporal_scaling=(True, True, True),
           decoder_inject_noise=(False, False, False, False), upsample_residual=(True, True, True),
           upsample_factor=(2, 2, 2), timestep_conditioning=True, patch_size=4, patch_size_t=1,
           encoder_causal=True, decoder_causal=False)
# LTX-Video 0.9.1+ scheduler/scheduler_config.json (convert_ltx_to_diffusers.py)
SCHEDULER = dict(use_dynamic_shifting=True, base_shift=0.95, max_shift=2.05, base_image_seq_len=1024,
                 max_image_seq_len=4096, shift_terminal=0.1)
# LTX-Video 0.9.5 / 0.9.7 (distilled included) scheduler/scheduler_config.json: diffusers'
# convert_ltx_to_diffusers.py saves FlowMatchEulerDiscreteScheduler(use_dynamic_shifting=False)
SCHEDULER_095 = dict(use_dynamic_shifting=False)
# the 0.9.1 decoder layout: convert_ltx_to_diffusers.py's 0.9.1 config injects noise in the up blocks
VAE_091 = dict(VAE, decoder_inject_noise=(True, True, True, False))
# package defaults: 17 frames (3 latent frames), 96x64 (3x2 latent cells, non-square); a decode noise
# scale larger than the model cards' 0.025 so that the decode noise visibly matters in the test
DEFAULTS = ["--width", "96", "--height", "64", "--frames", "17", "--fps", "24", "--steps", "4",
            "--decode-timestep", "0.05", "--decode-noise-scale", "0.25"]


def build_folder(root):
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXVideoTransformer3DModel
    os.makedirs(root, exist_ok=True)
    vocab = train_tokenizer(os.path.join(root, "tokenizer"), model_max_length=128)

    torch.manual_seed(20250202)
    cfg = UMT5Config(vocab_size=vocab, **TEXT)
    enc = UMT5Encoder(cfg)
    os.makedirs(os.path.join(root, "text_encoder"), exist_ok=True)
    save_file({k: v.contiguous() for k, v in enc.state_dict().items()},
              os.path.join(root, "text_encoder", "model.safetensors"), metadata={"format": "pt"})
    json.dump(cfg.to_hf_dict(), open(os.path.join(root, "text_encoder", "config.json"), "w"), indent=2)

    LTXVideoTransformer3DModel(**TRANSFORMER).save_pretrained(os.path.join(root, "transformer"))
    vae = AutoencoderKLLTXVideo(**VAE)
    with torch.no_grad():
        # the real latents_mean/std are per-channel statistics; random ones make the denormalisation matter
        vae.latents_mean.copy_(torch.randn(128) * 0.2)
        vae.latents_std.copy_(torch.rand(128) + 0.5)
    vae.save_pretrained(os.path.join(root, "vae"))
    FlowMatchEulerDiscreteScheduler(**SCHEDULER).save_pretrained(os.path.join(root, "scheduler"))
    index = {"_class_name": "LTXPipeline", "_diffusers_version": "0.40.0.dev0",
             "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
             "text_encoder": ["transformers", "T5EncoderModel"], "tokenizer": ["transformers", "T5TokenizerFast"],
             "transformer": ["diffusers", "LTXVideoTransformer3DModel"], "vae": ["diffusers", "AutoencoderKLLTXVideo"]}
    json.dump(index, open(os.path.join(root, "model_index.json"), "w"), indent=2)


def variant_folder(root, name, index_class="LTXPipeline", scheduler=None, vae=None):
    """A folder sharing the base model's parts by symlink, with its own scheduler or VAE."""
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler
    folder = os.path.join(os.path.dirname(root), name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for part in ("tokenizer", "text_encoder", "transformer", "scheduler", "vae"):
        if (part == "scheduler" and scheduler) or (part == "vae" and vae):
            continue
        os.symlink(os.path.join(root, part), os.path.join(folder, part))
    if scheduler:
        FlowMatchEulerDiscreteScheduler(**scheduler).save_pretrained(os.path.join(folder, "scheduler"))
    if vae:
        torch.manual_seed(91)
        v = AutoencoderKLLTXVideo(**vae)
        with torch.no_grad():
            base = AutoencoderKLLTXVideo.from_pretrained(os.path.join(root, "vae"))
            v.latents_mean.copy_(base.latents_mean)
            v.latents_std.copy_(base.latents_std)
            for n, p in v.named_parameters():
                if "per_channel_scale" in n:        # zeros at init: the injected noise would not show
                    p.copy_(torch.randn_like(p) * 0.5)
        v.save_pretrained(os.path.join(folder, "vae"))
    index = json.load(open(os.path.join(root, "model_index.json")))
    index["_class_name"] = index_class
    json.dump(index, open(os.path.join(folder, "model_index.json"), "w"), indent=2)
    return folder


def export_variant(folder, fixture, keep, args):
    """Exports the whole package into work/, then keeps only the files that differ from tiny-ltx/."""
    full = os.path.join(HERE, "work", "tiny-pkg", fixture)
    export_into(os.path.join(HERE, "export_ltx.py"), folder, full, ["--verify", *args, "--name", fixture])
    out = os.path.join(FIXTURES, fixture)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for f in keep + ["kino.json", "export_report.json"]:
        shutil.copy(os.path.join(full, f), os.path.join(out, f))
    with open(os.path.join(out, "OVERLAY"), "w") as f:      # models/kino_manifest.py overlay_base
        f.write("tiny-ltx\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="base,distilled,vae091")
    only = set(ap.parse_args().only.split(","))
    if "base" in only:
        build_folder(SRC)
        export_into(os.path.join(HERE, "export_ltx.py"), SRC, os.path.join(FIXTURES, "tiny-ltx"),
                    ["--verify", *DEFAULTS, "--name", "tiny-ltx"])
    if "distilled" in only:
        folder = variant_folder(SRC, "ltx-distilled", "LTXConditionPipeline", scheduler=SCHEDULER_095)
        export_variant(folder, "tiny-ltx-distilled", ["denoiser.onnx", "denoiser.onnx_data"],
                       [a for a in DEFAULTS if a not in ("--steps", "4")] + ["--timesteps", "distilled"])
    if "vae091" in only:
        folder = variant_folder(SRC, "ltx-091", vae=VAE_091)
        export_variant(folder, "tiny-ltx-091", ["vae_decoder.onnx", "vae_decoder.onnx_data"], DEFAULTS)


if __name__ == "__main__":
    main()
