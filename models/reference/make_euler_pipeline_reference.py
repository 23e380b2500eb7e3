"""Writes golden/pipeline_euler_kino.json: a whole text-to-video sampling run with diffusers' Euler scheduler.

The run mirrors TextToVideoSDPipeline.__call__ (diffusers 58eb52c, deprecated/text_to_video_synthesis) on the
unet3d-ddim test fixture's ONNX graphs, run by onnxruntime: the scheduler swapped the diffusers way
(EulerDiscreteScheduler.from_config(the package's DDIM config), so init_noise_sigma = sqrt(sigma_max^2 + 1)
with its "leading" spacing), latents = randn_tensor(shape, generator) * init_noise_sigma, [uncond, cond] in one
batch, scale_model_input, guidance uncond + g * (cond - uncond), scheduler.step. The fixture's word-level
tokenizer is applied as its tokenizer.json says (lowercase, split on words and punctuation, [EOS], pad with
[PAD] to max_length). Project-generated (see README.md beside this script).

Usage:  ATEN_CPU_CAPABILITY=avx2 models/.venv/bin/python models/reference/make_euler_pipeline_reference.py OUT_DIR
"""
import json
import os
import re
import sys

import diffusers
import numpy as np
import onnxruntime as ort
import torch
from diffusers import EulerDiscreteScheduler
from diffusers.utils.torch_utils import randn_tensor

from golden import f32, provenance, write

FIXTURE = os.path.join("engine", "core", "src", "test", "resources", "fixtures", "unet3d-ddim")
REQUEST = {"prompt": "a red circle moving right", "negative_prompt": "", "seed": 42, "steps": 3, "frames": 4,
           "width": 32, "height": 32, "guidance": 5.0}


def tokenize(text, tokenizer, max_length):
    vocab = tokenizer["model"]["vocab"]
    words = re.findall(r"\w+|[^\w\s]+", text.lower())
    ids = [vocab.get(w, vocab["[UNK]"]) for w in words][: max_length - 1] + [vocab["[EOS]"]]
    mask = [1] * len(ids) + [0] * (max_length - len(ids))
    return ids + [vocab["[PAD]"]] * (max_length - len(ids)), mask


def session(name):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(os.path.join(FIXTURE, name), options, providers=["CPUExecutionProvider"])


def main(out_dir):
    with open(os.path.join(FIXTURE, "kino.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(FIXTURE, manifest["tokenizer"])) as f:
        tokenizer = json.load(f)
    te, den, lat = manifest["text_encoder"], manifest["denoiser"], manifest["latent"]
    r = REQUEST

    ids, masks = zip(*[tokenize(t, tokenizer, te["max_length"]) for t in (r["negative_prompt"], r["prompt"])])
    embeds = session(te["file"]).run([te["output"]], {te["input_ids"]: np.array(ids, dtype=np.int64),
                                                      te["attention_mask"]: np.array(masks, dtype=np.int64)})[0]

    scheduler = EulerDiscreteScheduler.from_config(manifest["scheduler"])
    scheduler.set_timesteps(r["steps"])
    cell = lat["spatial_compression"]
    shape = (1, lat["channels"], r["frames"], r["height"] // cell, r["width"] // cell)
    # TextToVideoSDPipeline.prepare_latents
    latents = randn_tensor(shape, generator=torch.Generator("cpu").manual_seed(r["seed"]), device=torch.device("cpu"),
                           dtype=torch.float32)
    latents = latents * scheduler.init_noise_sigma
    initial = latents.clone()
    unet = session(den["file"])
    steps = []
    for t in scheduler.timesteps:
        model_input = scheduler.scale_model_input(torch.cat([latents] * 2), t)
        timestep = np.full((2,), int(t), dtype=np.int64)   # the graph's timestep is int64 [batch]
        pred = torch.from_numpy(unet.run([den["output"]], {den["sample"]: model_input.numpy(),
                                                            den["timestep"]: timestep,
                                                            den["text_embeddings"]: embeds})[0])
        uncond, cond = pred.chunk(2)
        pred = uncond + r["guidance"] * (cond - uncond)
        latents = scheduler.step(pred, t, latents).prev_sample
        steps.append({"timestep": f32(t), "latents": [f32(v) for v in latents.flatten().numpy()]})

    doc = {"schema_version": 1, "kind": "pipeline_trajectory",
           "provenance": provenance("make_euler_pipeline_reference.py", diffusers_version=diffusers.__version__,
                                    onnxruntime_version=ort.__version__),
           "package": "fixtures/unet3d-ddim", "request": r, "scheduler_class": "EulerDiscreteScheduler",
           "input_ids": [list(i) for i in ids], "shape": list(shape),
           "init_noise_sigma": f32(float(scheduler.init_noise_sigma)),
           "initial_latents": [f32(v) for v in initial.flatten().numpy()],
           "steps": steps}
    print("wrote", write(doc, out_dir, "pipeline_euler_kino.json"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "engine/core/src/test/resources/golden")
