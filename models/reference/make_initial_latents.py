"""Writes golden/initial_latents_kino.json: the latents a diffusers pipeline starts its loop from.

diffusers' text-to-video pipelines (TextToVideoSDPipeline and the Stable Diffusion family) draw
randn_tensor(shape, generator) and multiply by scheduler.init_noise_sigma, which is 1 for DDIM, DPM-Solver
and UniPC but sqrt(sigma_max^2 + 1) for Euler with "leading" spacing (sigma_max with "linspace"). The cases
run the two lines of TextToVideoSDPipeline.prepare_latents with diffusers' own randn_tensor and the real
scheduler classes (the pipeline module itself needs transformers, which the reference environment lacks). Project-generated (see README.md beside this script).

Usage:  ATEN_CPU_CAPABILITY=avx2 models/.venv/bin/python models/reference/make_initial_latents.py OUT_DIR
(the AVX2 Box-Muller, as the shared torch_randn.json; Kino replays it with TorchGenerator.Kernel.AVX2)
"""
import sys

import diffusers
import torch
from diffusers import DDIMScheduler, EulerAncestralDiscreteScheduler, EulerDiscreteScheduler
from diffusers.utils.torch_utils import randn_tensor

from golden import f32, provenance, write

SD = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear"}
# (name, scheduler class, config, steps, seed, [batch, channels, frames, height, width] in pixels)
CASES = [
    ("euler_leading", EulerDiscreteScheduler, {**SD, "timestep_spacing": "leading", "steps_offset": 1}, 25, 42,
     [1, 4, 2, 64, 64]),
    ("euler_linspace", EulerDiscreteScheduler, {**SD, "timestep_spacing": "linspace"}, 4, 7, [1, 4, 3, 32, 48]),
    ("euler_karras", EulerDiscreteScheduler, {**SD, "use_karras_sigmas": True}, 10, 3, [1, 4, 2, 32, 32]),
    ("euler_ancestral_leading", EulerAncestralDiscreteScheduler,
     {**SD, "timestep_spacing": "leading", "steps_offset": 1}, 10, 5, [1, 4, 2, 32, 32]),
    ("ddim", DDIMScheduler, {**SD, "clip_sample": False, "set_alpha_to_one": False, "steps_offset": 1}, 10, 42,
     [1, 4, 2, 64, 64]),
]


def main(out_dir):
    cases = []
    for name, cls, config, steps, seed, size in CASES:
        scheduler = cls(**config)
        scheduler.set_timesteps(steps)
        batch, channels, frames, height, width = size
        shape = (batch, channels, frames, height // 8, width // 8)   # vae_scale_factor 8
        # TextToVideoSDPipeline.prepare_latents (deprecated/text_to_video_synthesis, diffusers 58eb52c):
        latents = randn_tensor(shape, generator=torch.Generator("cpu").manual_seed(seed), device=torch.device("cpu"),
                               dtype=torch.float32)
        latents = latents * scheduler.init_noise_sigma
        sigma = scheduler.init_noise_sigma
        cases.append({"name": name, "config": {"_class_name": cls.__name__, **config},
                      "num_inference_steps": steps, "seed": seed, "shape": list(latents.shape),
                      "init_noise_sigma": f32(float(sigma)),
                      "init_noise_sigma_type": "tensor(float32)" if torch.is_tensor(sigma) else "python float",
                      "latents": [f32(v) for v in latents.flatten().numpy()]})
    doc = {"schema_version": 1, "kind": "initial_latents",
           "provenance": provenance("make_initial_latents.py", diffusers_version=diffusers.__version__),
           "call": "scheduler = cls(**config); scheduler.set_timesteps(steps); latents = randn_tensor(shape, "
                   "generator=torch.Generator('cpu').manual_seed(seed), dtype=float32) * scheduler.init_noise_sigma "
                   "(TextToVideoSDPipeline.prepare_latents)",
           "float_encoding": "shortest decimal that round-trips to the float32",
           "cases": cases}
    print("wrote", write(doc, out_dir, "initial_latents_kino.json"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "engine/core/src/test/resources/golden")
