#!/usr/bin/env python3
"""PyTorch eager on the parity bench's Wan-width model: diffusers' transformer called as WanPipeline calls it.

    python bench/ort-parity/torch_eager.py [--model bench/ort-parity/work/wan-width] --latent 16,5,32,32 \
        --text 512,4096 [--steps 3] [--warmup 1] [--threads 0] [--autocast bf16] [--save-prediction FILE]

One step is WanPipeline's denoising step at guidance > 1 (diffusers' pipeline_wan.py): the transformer on
the cond prompt, then on the negative prompt, each batch 1 under ``torch.no_grad()``, float32 on the CPU,
then the guidance combine. ``--autocast bf16`` runs it under ``torch.autocast("cpu", torch.bfloat16)``, the
way a CPU user speeds PyTorch up (the transformer's Linear layers and attention in bf16; the guidance combine
and latents in fp32). Prints one JSON object like ort_loop.py; ``--save-prediction`` writes the last step's
guided prediction (raw float32) so compare.py can set it beside the fp32 run's on the same inputs.
"""
import argparse
import json
import os
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def dims(text):
    return [int(v) for v in text.split(",")]


@torch.no_grad()
def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=os.path.join(HERE, "work", "wan-width"))
    p.add_argument("--latent", type=dims, required=True)
    p.add_argument("--text", type=dims, required=True)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    p.add_argument("--autocast", choices=["bf16"], default=None)
    p.add_argument("--save-prediction", default=None)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    from diffusers import WanTransformer3DModel
    from safetensors.torch import load_file
    folder = os.path.join(a.model, "transformer")
    transformer = WanTransformer3DModel.from_config(WanTransformer3DModel.load_config(folder)).eval()
    transformer.load_state_dict(load_file(os.path.join(folder, "diffusion_pytorch_model.safetensors")))   # float32
    g = torch.Generator().manual_seed(0)
    latents = torch.randn(1, *a.latent, generator=g)
    cond = torch.randn(1, *a.text, generator=g)
    uncond = torch.randn(1, *a.text, generator=g)
    times = []
    for i in range(a.warmup + a.steps):
        t = torch.tensor([1000.0 * (1 - i / (a.warmup + a.steps))])
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.autocast == "bf16"):
            with transformer.cache_context("cond"):
                noise_pred = transformer(hidden_states=latents, timestep=t, encoder_hidden_states=cond,
                                         return_dict=False)[0]
            with transformer.cache_context("uncond"):
                noise_uncond = transformer(hidden_states=latents, timestep=t, encoder_hidden_states=uncond,
                                           return_dict=False)[0]
        noise_pred = noise_uncond.float() + 5.0 * (noise_pred.float() - noise_uncond.float())
        elapsed = time.perf_counter() - start
        if i >= a.warmup:
            times.append(elapsed)
        latents = latents - 0.01 * noise_pred
    if a.save_prediction:
        noise_pred.numpy().astype("<f4").tofile(a.save_prediction)
    mode = " bf16 autocast" if a.autocast else ""
    print(json.dumps({"runtime": f"pytorch {torch.__version__} eager{mode}, {torch.get_num_threads()} threads",
                      "threads": a.threads, "step_seconds": times}))


if __name__ == "__main__":
    main()
