"""Writes Kino's project-generated scheduler reference files (schedulers_kino_*.json).

They extend the golden set shared by the project's developers to the schedulers and settings it does not cover,
in the SAME schema, by running the pinned diffusers scheduler classes unmodified under the fake model of the
shared README. See README.md beside this script for how to run it.

Usage:  ATEN_CPU_CAPABILITY=avx2 models/.venv/bin/python models/reference/make_scheduler_goldens.py OUT_DIR
"""
import hashlib
import inspect
import math
import sys

import numpy as np
import torch
import diffusers
from diffusers import (DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler)

from golden import f32, provenance, write
from scheduler_cases import FILES

STEPS = (1, 4, 10, 25)
SHAPE = (1, 2, 3, 4, 4)


def f32list(t):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return [f32(v) for v in a.astype(np.float32).reshape(-1)]


def initial_latents():
    x = np.array([math.sin(0.37 * i + 0.1) for i in range(int(np.prod(SHAPE)))], dtype=np.float64)
    return torch.from_numpy(x.astype(np.float32)).reshape(SHAPE)


def fake_model(model_input, t):
    """model_output = 0.3*x + 0.05*cos(t/100) - 0.02*x*x in float64, rounded to float32 (shared README)."""
    x = model_input.double()
    c = 0.05 * math.cos(float(t) / 100.0)
    return (((0.3 * x) + c) - ((0.02 * x) * x)).float()


def calculate_shift(seq_len, base_seq_len, max_seq_len, base_shift, max_shift):
    """diffusers' LTX-Video pipeline calculate_shift, restated (importing the pipeline needs transformers)."""
    m = (max_shift - base_shift) / (max_seq_len - base_seq_len)
    b = base_shift - m * base_seq_len
    return seq_len * m + b


def jsonable(v):
    if isinstance(v, float) and math.isinf(v):
        return "-inf" if v < 0 else "inf"
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, torch.Tensor):
        return jsonable(v.tolist())
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    return v


def set_timesteps_call(cls, config, n, plan):
    """The arguments a pipeline passes: plain N, or the LTX pipeline's sigmas + mu for dynamic shifting."""
    if plan is None:
        return {"num_inference_steps": n}
    seq_len = plan["sequence_length"]
    mu = calculate_shift(seq_len, config.get("base_image_seq_len", 256), config.get("max_image_seq_len", 4096),
                         config.get("base_shift", 0.5), config.get("max_shift", 1.15))
    if plan.get("sigmas", True):
        return {"sigmas": np.linspace(1.0, 1 / n, n), "mu": mu}
    return {"num_inference_steps": n, "mu": mu}


def run_case(cls, case):
    runs = []
    config_after = None
    for n in case.get("steps", STEPS):
        scheduler = cls(**case["config_passed"])
        config = dict(scheduler.config)
        call = set_timesteps_call(cls, config, n, case.get("plan"))
        scheduler.set_timesteps(**call)
        if dict(scheduler.config) != config:
            config_after = jsonable(dict(scheduler.config))
        if case.get("set_begin_index") is not None:
            scheduler.set_begin_index(case["set_begin_index"])
        generator = torch.Generator("cpu").manual_seed(case["noise_seed"]) if "noise_seed" in case else None
        sigmas = getattr(scheduler, "sigmas", None)
        if cls is DDIMScheduler:
            sigmas = None
        timesteps = scheduler.timesteps
        run = {
            "num_inference_steps": n,
            "set_timesteps_call": jsonable(call),
            "timesteps_dtype": "int64" if timesteps.dtype == torch.int64 else "float32",
            "timesteps": [None if math.isnan(t) else float(t) for t in timesteps.tolist()],
            "sigmas": None if sigmas is None else f32list(sigmas),
        }
        if case.get("plan") is not None:
            run["kino_sequence_length"] = case["plan"]["sequence_length"]
        if cls is DDIMScheduler:
            ratio = scheduler.config.num_train_timesteps // scheduler.num_inference_steps
            run["alphas_cumprod_at_timesteps"] = [f32(scheduler.alphas_cumprod[int(t)]) for t in timesteps]
            run["final_alpha_cumprod"] = f32(scheduler.final_alpha_cumprod)
        ins = getattr(scheduler, "init_noise_sigma", None) if cls is not FlowMatchEulerDiscreteScheduler else None
        run["init_noise_sigma"] = None if ins is None else f32(ins)
        if ins is not None:
            run["init_noise_sigma_type"] = "tensor(float32)" if isinstance(ins, torch.Tensor) else "python float"
        latents = initial_latents() * ins if ins is not None else initial_latents()
        run["latents_start"] = f32list(latents)
        has_scale = hasattr(scheduler, "scale_model_input")
        run["has_scale_model_input"] = has_scale
        steps = []
        if sigmas is not None and torch.isnan(torch.as_tensor(sigmas)).any():
            run["scale_model_input_initial"] = None
            run["steps"] = []
            run["final_latents"] = None
            runs.append(run)
            continue
        for i, t in enumerate(timesteps):
            model_input = scheduler.scale_model_input(latents, t) if has_scale else latents
            if i == 0:
                run["scale_model_input_initial"] = f32list(model_input) if has_scale else None
            model_output = fake_model(model_input, t)
            kwargs = dict(case.get("step_kwargs") or {})
            if generator is not None:
                kwargs["generator"] = generator
            latents = scheduler.step(model_output, t, latents, **kwargs).prev_sample
            steps.append({"index": i, "timestep": float(t), "model_input": f32list(model_input),
                          "model_output": f32list(model_output), "prev_sample": f32list(latents)})
        run["steps"] = steps
        run["final_latents"] = steps[-1]["prev_sample"]
        runs.append(run)
    out = {"name": case["name"], "config_passed": jsonable(case["config_passed"]),
           "config": jsonable(dict(cls(**case["config_passed"]).config))}
    if config_after is not None:
        out["config_after_set_timesteps"] = config_after
    out["step_kwargs"] = case.get("step_kwargs")
    if "noise_seed" in case:
        out["noise"] = {"generator": "torch.Generator('cpu')", "seed": case["noise_seed"],
                        "note": "one fresh generator per run; step() draws randn(latent shape) from it every step"}
    if case.get("set_begin_index") is not None:
        out["set_begin_index"] = case["set_begin_index"]
    out["runs"] = runs
    return out


def blob_sha1(path):
    data = open(path, "rb").read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def main(out_dir):
    shared = {
        "fake_model": {"formula": "model_output = 0.3*x + 0.05*cos(t/100.0) - 0.02*x*x",
                       "evaluation": "as in the shared golden README: x = model input widened to float64, t = the "
                                     "timestep as float64, ((0.3*x) + c) - ((0.02*x)*x), rounded to float32"},
        "initial_latents": {"shape": list(SHAPE), "dtype": "float32",
                            "formula": "x[i] = (float32) sin(0.37*i + 0.1)", "values": f32list(initial_latents())},
        "loop": "set_timesteps(**set_timesteps_call); [set_begin_index]; latents = x * init_noise_sigma; for i, t: "
                "model_input = scale_model_input(latents, t); model_output = fake_model(model_input, t); "
                "latents = step(model_output, t, latents, **step_kwargs[, generator]).prev_sample",
        "float_encoding": "shortest decimal that round-trips to the float32; null means NaN",
    }
    for file_name, (cls, notes, cases) in FILES.items():
        src = inspect.getsourcefile(cls)
        doc = {"schema_version": 1, "kind": "scheduler_trajectories", "setup": "kino", "name": file_name,
               "scheduler_class": cls.__name__,
               "provenance": provenance(
                   "make_scheduler_goldens.py", diffusers_version=diffusers.__version__,
                   diffusers_source=f"diffusers {diffusers.__version__} (made with commit 58eb52c), unmodified",
                   numpy_version=np.__version__, scheduler_file=src[src.index("diffusers/schedulers"):],
                   scheduler_file_blob_sha1=blob_sha1(src)),
               **shared, "notes": notes, "cases": [run_case(cls, c) for c in cases]}
        path = write(doc, out_dir, "schedulers_kino_" + file_name + ".json", allow_nan=False)
        print("wrote", path, sum(len(r["steps"]) for c in doc["cases"] for r in c["runs"]), "steps")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "engine/core/src/test/resources/golden")
